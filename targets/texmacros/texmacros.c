/*
 * texmacros: run Knuth's TeX (Debian's /usr/bin/tex, plain format) on a document in the
 * current folder, with the clock pinned so that every run of a document writes the same bytes.
 *
 *   texmacros [-batch] WORD...
 *
 * runs `tex -interaction=nonstopmode WORD...` (batchmode with -batch). TeX reads the words,
 * joined by spaces, as its first line of input, so `texmacros doc.tex` typesets doc.tex. With
 * no word, TeX reads its first line from standard input. Any other argument starting with '-'
 * is refused (exit 2): TeX's own options are not part of the interface.
 *
 * Knuth's TeX ignores SOURCE_DATE_EPOCH (pdfTeX honours it, tex does not), so the clock is
 * pinned by libfaketime: \time, \day, \month, \year, the log's banner and the DVI comment read
 * 2001-09-09 01:46 UTC. Generating fonts and formats is switched off, so a missing font is an
 * error and "&name" on the first line falls back to tex.fmt, never a spawned mktextfm or
 * mktexfmt (which the sandbox would refuse, saying so on stderr).
 *
 * Where /usr/bin/tex does not exist (the reference copied out of its image for calibration),
 * tex and libfaketime are looked for under $TEXMACROS_ROOT instead; in the reference's own image
 * that variable is ignored, so a case cannot point the wrapper at another program.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEX "/usr/bin/tex"
#define FAKETIME "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

static const char *const PINNED[][2] = {
    {"FAKETIME", "2001-09-09 01:46:40"},
    {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
    {"TZ", "UTC"},
    {"MKTEXTFM", "0"},
    {"MKTEXPK", "0"},
    {"MKTEXMF", "0"},
    {"MKTEXTEX", "0"},
    {"MKTEXFMT", "0"},
};

int main(int argc, char **argv) {
    const char *mode = "-interaction=nonstopmode";
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-batch") == 0) {
        mode = "-interaction=batchmode";
        first = 2;
    }
    for (int i = first; i < argc; i++) {
        if (argv[i][0] == '-') {
            fprintf(stderr, "texmacros: unknown option '%s'\nusage: texmacros [-batch] WORD...\n",
                    argv[i]);
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof PINNED / sizeof PINNED[0]; i++) {
        if (setenv(PINNED[i][0], PINNED[i][1], 1) != 0) {
            perror("texmacros: setenv");
            return 2;
        }
    }
    const char *root = "";
    if (access(TEX, F_OK) != 0 && getenv("TEXMACROS_ROOT")) root = getenv("TEXMACROS_ROOT");
    char *tex = NULL, *faketime = NULL;
    if (asprintf(&tex, "%s" TEX, root) < 0 || asprintf(&faketime, "%s" FAKETIME, root) < 0 ||
        setenv("LD_PRELOAD", faketime, 1) != 0) {
        perror("texmacros");
        return 2;
    }
    char **args = calloc((size_t)argc + 2, sizeof *args);
    if (!args) {
        perror("texmacros");
        return 2;
    }
    int n = 0;
    args[n++] = "tex";
    args[n++] = (char *)mode;
    for (int i = first; i < argc; i++) args[n++] = argv[i];
    args[n] = NULL;
    execv(tex, args);
    fprintf(stderr, "texmacros: %s: ", tex);
    perror(NULL);
    return 127;
}
