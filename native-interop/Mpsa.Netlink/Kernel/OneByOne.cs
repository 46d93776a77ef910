namespace Mpsa.Netlink.Kernel;

/// <summary><see cref="IKernel.AddStates"/> and <see cref="IKernel.UpdatePolicies"/> for a kernel without batches.</summary>
internal static class OneByOne
{
    /// <summary><paramref name="apply"/> to each spec in order, whatever became of the ones before it.</summary>
    public static KernelResult[] Each<T>(IReadOnlyList<T> specs, Func<T, KernelResult> apply)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var results = new KernelResult[specs.Count];
        for (int i = 0; i < specs.Count; i++)
        {
            results[i] = apply(specs[i]);
        }
        return results;
    }
}
