/* Run from the case folder by a program's shell: tries to trace and read its parent. */
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>
int main(void) {
    char buffer[8];
    struct iovec local = {buffer, 8}, remote = {(void *)0x400000, 8};
    long attached = ptrace(PTRACE_ATTACH, getppid(), 0, 0);
    long read = process_vm_readv(getppid(), &local, 1, &remote, 1, 0);
    printf("PROBE-RAN ptrace=%ld process_vm_readv=%ld\n", attached, read);
    return 0;
}
