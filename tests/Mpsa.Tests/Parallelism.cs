// The fixtures marked parallelizable (interop with charon, the cluster labs) spend most of their time waiting on
// peers' timers, not on the CPU: three at a time on two cores.
[assembly: LevelOfParallelism(3)]
