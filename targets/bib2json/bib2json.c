/* bib2json: convert a BibLaTeX/BibTeX bibliography to CSL JSON.
 *
 * A small front end to Debian's pandoc, which does the conversion: it checks the command line
 * and the input file, then runs `pandoc -f biblatex -t csljson [-o OUT] [FILE]`. It is compiled
 * (not a shell script) so that it can be run while its bytes stay unreadable (mode 0711).
 * MIRROR_PANDOC, when set, names the pandoc to run instead of /usr/bin/pandoc: only the copy of
 * the reference made for calibration sets it (target.toml's [pack]); a case cannot set MIRROR_*
 * variables, so in the reference box pandoc is always /usr/bin/pandoc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define PANDOC "/usr/bin/pandoc"

static const char usage_text[] =
    "Usage: bib2json [-o FILE] [FILE]\n"
    "Convert a BibLaTeX/BibTeX bibliography to CSL JSON.\n"
    "\n"
    "Reads FILE (standard input when FILE is absent or '-') and writes the CSL JSON\n"
    "array of its entries to standard output.\n"
    "\n"
    "  -o, --output=FILE  write the JSON to FILE instead of standard output\n"
    "  -h, --help         print this help and exit\n"
    "\n"
    "Exit status: 0 if OK, 1 if FILE could not be read, 2 on a usage error;\n"
    "other values come from the converter (65 when the input cannot be parsed).\n";

static void usage_error(const char *message, const char *argument)
{
    fprintf(stderr, "bib2json: %s '%s'\nTry 'bib2json --help' for more information.\n", message,
            argument);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *input = NULL, *output = NULL;
    int options_done = 0;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = 1;
        } else if (!options_done && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!options_done && (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0)) {
            if (i + 1 == argc)
                usage_error("option needs a FILE:", arg);
            output = argv[++i];
        } else if (!options_done && strncmp(arg, "--output=", 9) == 0) {
            output = arg + 9;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            usage_error("unknown option", arg);
        } else if (input != NULL) {
            usage_error("only one input FILE may be given, got another:", arg);
        } else {
            input = arg;
        }
    }
    if (output != NULL && output[0] == '\0')
        usage_error("empty output FILE", output);
    if (input != NULL && strcmp(input, "-") == 0)
        input = NULL;
    if (input != NULL) {
        struct stat status;
        int fd = open(input, O_RDONLY);
        if (fd < 0 || fstat(fd, &status) != 0) {
            fprintf(stderr, "bib2json: %s: %s\n", input, strerror(errno));
            return 1;
        }
        close(fd);
        if (S_ISDIR(status.st_mode)) {
            fprintf(stderr, "bib2json: %s: %s\n", input, strerror(EISDIR));
            return 1;
        }
    }

    const char *command[10] = {"pandoc", "-f", "biblatex", "-t", "csljson"};
    int n = 5;
    if (output != NULL) {
        command[n++] = "-o";
        command[n++] = output;
    }
    if (input != NULL) {
        command[n++] = "--";
        command[n++] = input;
    }
    command[n] = NULL;
    const char *pandoc = getenv("MIRROR_PANDOC");
    if (pandoc == NULL || pandoc[0] == '\0')
        pandoc = PANDOC;
    fflush(stdout);
    execv(pandoc, (char *const *)command);
    fprintf(stderr, "bib2json: cannot run %s: %s\n", pandoc, strerror(errno));
    return 127;
}
