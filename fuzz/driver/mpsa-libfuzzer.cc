// libFuzzer front end for a SharpFuzz-instrumented .NET process (SharpFuzz's Fuzzer.LibFuzzer.Run protocol).
// libFuzzer owns the mutation loop; each input goes to the .NET child through a System V shared memory segment
// (64 KiB of edge counters, then the input), its length over one pipe (fd 198) and the verdict back over another
// (fd 199), all three named in environment variables. The child's edge counters are copied into libFuzzer's
// extra-counters section after every run.
// The child's command line is taken from MPSA_FUZZ_CMD, words separated by single spaces.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

enum { kCoverageBytes = 1 << 16, kMaxInput = 1 << 20, kControlFd = 198, kStatusFd = 199 };

// libFuzzer treats every byte of this section as a coverage counter.
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t extra_counters[kCoverageBytes];

static uint8_t *segment;
static int segment_id = -1;
static int to_child = -1, from_child = -1;
static pid_t child = -1;

static void fail(const char *what) {
  fprintf(stderr, "mpsa-libfuzzer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void cleanup(void) {
  if (segment_id >= 0) shmctl(segment_id, IPC_RMID, nullptr);
  if (child > 0) kill(child, SIGKILL);
}

// Reads or writes exactly four bytes, retrying on EINTR; false on end of file or error.
static bool exchange_word(int fd, int32_t *word, bool writing) {
  ssize_t n;
  do {
    n = writing ? write(fd, word, sizeof *word) : read(fd, word, sizeof *word);
  } while (n < 0 && errno == EINTR);
  return n == (ssize_t)sizeof *word;
}

static char **split_command(const char *command) {
  char *copy = strdup(command);
  size_t words = 1;
  for (const char *p = copy; *p; p++) words += *p == ' ';
  char **argv = (char **)calloc(words + 1, sizeof *argv);
  size_t i = 0;
  for (char *save = nullptr, *word = strtok_r(copy, " ", &save); word; word = strtok_r(nullptr, " ", &save)) argv[i++] = word;
  return argv;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *command = getenv("MPSA_FUZZ_CMD");
  if (!command || !*command) {
    fprintf(stderr, "mpsa-libfuzzer: set MPSA_FUZZ_CMD to the .NET target's command line\n");
    exit(1);
  }
  segment_id = shmget(IPC_PRIVATE, kCoverageBytes + kMaxInput, IPC_CREAT | IPC_EXCL | 0600);
  if (segment_id < 0) fail("shmget");
  atexit(cleanup);
  segment = (uint8_t *)shmat(segment_id, nullptr, 0);
  if (segment == (void *)-1) fail("shmat");

  int control[2], status[2];
  if (pipe(control) != 0 || pipe(status) != 0) fail("pipe");
  child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    if (dup2(control[0], kControlFd) < 0 || dup2(status[1], kStatusFd) < 0) fail("dup2");
    close(control[0]), close(control[1]), close(status[0]), close(status[1]);
    char id[16];
    snprintf(id, sizeof id, "%d", segment_id);
    setenv("__LIBFUZZER_SHM_ID", id, 1);
    snprintf(id, sizeof id, "%d", kControlFd);
    setenv("__LIBFUZZER_CONTROL_PIPE_ID", id, 1);
    snprintf(id, sizeof id, "%d", kStatusFd);
    setenv("__LIBFUZZER_STATUS_PIPE_ID", id, 1);
    char **argv = split_command(command);
    execvp(argv[0], argv);
    fail("exec");
  }
  close(control[0]), close(status[1]);
  to_child = control[1], from_child = status[0];
  int32_t hello;
  if (!exchange_word(from_child, &hello, false)) {
    fprintf(stderr, "mpsa-libfuzzer: the .NET target did not start\n");
    exit(1);
  }
  // Both sides are attached now: the segment goes when the last detaches, even if libFuzzer exits through a signal.
  shmctl(segment_id, IPC_RMID, nullptr);
  segment_id = -1;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxInput) return -1;  // never kept in the corpus
  memset(segment, 0, kCoverageBytes);
  memcpy(segment + kCoverageBytes, data, size);
  int32_t length = (int32_t)size, verdict = 0;
  if (!exchange_word(to_child, &length, true)) fail("write to the .NET target");
  if (!exchange_word(from_child, &verdict, false)) {
    fprintf(stderr, "mpsa-libfuzzer: the .NET target died\n");
    __builtin_trap();  // a crash of the runtime itself is a finding too
  }
  memcpy(extra_counters, segment, kCoverageBytes);
  if (verdict != 0) __builtin_trap();  // an exception escaped the target: libFuzzer saves the input
  return 0;
}
