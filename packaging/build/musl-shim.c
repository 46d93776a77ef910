/*
 * The linux-x64 / linux-arm64 NativeAOT runtime archives are compiled against glibc's headers, whose CPU_ALLOC and
 * CPU_FREE macros call these two functions. musl implements the macros inline and has no such symbols, so a musl
 * link of those archives needs them. Same semantics as glibc (sysdeps/unix/sysv/linux/sched_cpualloc.c).
 * No headers: this file is compiled with the target's cross gcc and no C library include path.
 */
typedef __SIZE_TYPE__ size_t;
void *calloc(size_t nmemb, size_t size);
void free(void *ptr);

#define MPSA_NCPUBITS (8 * sizeof(unsigned long))

void *__sched_cpualloc(size_t count)
{
    return calloc(1, ((count + MPSA_NCPUBITS - 1) / MPSA_NCPUBITS) * sizeof(unsigned long));
}

void __sched_cpufree(void *set)
{
    free(set);
}
