/* Preloaded into the reference: dumps the first loaded segment of the main program (its ELF
 * header and text) to stdout after "STOLEN:", then exits before the program runs. */
#define _GNU_SOURCE
#include <link.h>
#include <unistd.h>
static int dump(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size; (void)data;
    if (info->dlpi_name[0]) return 0; /* the main program has no name */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && ph->p_offset == 0) {
            write(1, "STOLEN:", 7);
            write(1, (const void *)(info->dlpi_addr + ph->p_vaddr), ph->p_filesz);
        }
    }
    return 1;
}
__attribute__((constructor)) static void steal(void) { dl_iterate_phdr(dump, 0); _exit(0); }
