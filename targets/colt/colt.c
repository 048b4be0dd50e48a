/* colt: align delimited text into columns.
 *
 * An original program written for mirrorcode: it has never been published before, so a model
 * that reproduces it must have learned it from its behaviour, not from memory.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION "1.0.0"
#define MAX_FIELDS 100
#define MAX_WIDTH 1000
#define EXIT_UNREADABLE 1
#define EXIT_USAGE 2
#define EXIT_INPUT 3

struct row {
    char **cells; /* NULL entries are missing cells */
    size_t count;
    int blank; /* the input line had no fields at all */
};

static struct row *rows;
static size_t nrows, rows_cap;

static const char *separators; /* NULL: runs of blanks */
static const char *output_separator = "  ";
static const char *align_spec;
static const char *filler = "";
static int numeric, header, border, skip_empty, transpose;
static long max_width;
struct range {
    size_t from, to; /* 0-based, inclusive; to == SIZE_MAX runs to the last column */
};
static struct range *selection;
static size_t nselection;

static void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        fputs("colt: out of memory\n", stderr);
        exit(EXIT_INPUT);
    }
    return p;
}

static void *xrealloc(void *old, size_t size)
{
    void *p = realloc(old, size ? size : 1);
    if (!p) {
        fputs("colt: out of memory\n", stderr);
        exit(EXIT_INPUT);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *copy = xmalloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

static void usage_error(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("colt: ", stderr);
    vfprintf(stderr, fmt, args);
    fputs("\nTry 'colt --help' for more information.\n", stderr);
    va_end(args);
    exit(EXIT_USAGE);
}

/* Replace the escapes \t, \n and \\ in an option argument; other backslashes stay. */
static char *unescape(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 't' || s[1] == 'n' || s[1] == '\\')) {
            s++;
            *o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : '\\';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* Display width: UTF-8 continuation bytes do not count. */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

/* Byte length of the first n characters of s. */
static size_t prefix_bytes(const char *s, size_t n)
{
    size_t i = 0, seen = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (seen == n)
                break;
            seen++;
        }
    }
    return i;
}

static int is_number(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    return digits > 0 && *s == '\0';
}

static long parse_count(const char *s, size_t len, long low, long high)
{
    long value = 0;
    if (len == 0 || len > 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        value = value * 10 + (s[i] - '0');
    }
    return value < low || value > high ? -1 : value;
}

/* LIST is N, N-M or N- items separated by commas, columns counted from 1. */
static void parse_columns(const char *list)
{
    const char *p = list;
    size_t items = 1;
    for (const char *q = list; *q; q++)
        items += *q == ',';
    selection = xrealloc(selection, sizeof *selection * items);
    for (nselection = 0; nselection < items; nselection++) {
        size_t len = strcspn(p, ",");
        const char *dash = memchr(p, '-', len);
        long from, to;
        if (dash) {
            size_t head = (size_t)(dash - p);
            from = parse_count(p, head, 1, MAX_FIELDS);
            to = head + 1 == len ? 0 : parse_count(dash + 1, len - head - 1, 1, MAX_FIELDS);
        } else {
            from = to = parse_count(p, len, 1, MAX_FIELDS);
        }
        if (from < 0 || to < 0 || (to && to < from))
            usage_error("invalid column list '%s'", list);
        selection[nselection].from = (size_t)from - 1;
        selection[nselection].to = to ? (size_t)to - 1 : SIZE_MAX;
        p += len + 1;
    }
}

static void add_row(char **cells, size_t count)
{
    if (nrows == rows_cap) {
        rows_cap = rows_cap ? rows_cap * 2 : 64;
        rows = xrealloc(rows, sizeof *rows * rows_cap);
    }
    rows[nrows].cells = cells;
    rows[nrows].count = count;
    rows[nrows].blank = count == 0;
    nrows++;
}

static void split_line(const char *name, size_t lineno, char *line, size_t len)
{
    char **cells = xmalloc(sizeof *cells * (MAX_FIELDS + 1));
    size_t count = 0, i = 0;
    if (len == 0) {
        if (!skip_empty)
            add_row(cells, 0);
        return;
    }
    while (i <= len) {
        size_t start, end;
        if (!separators) {
            while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i == len)
                break;
            start = i;
            while (i < len && line[i] != ' ' && line[i] != '\t')
                i++;
            end = i;
        } else {
            start = i;
            while (i < len && !strchr(separators, line[i]))
                i++;
            end = i++;
        }
        if (count == MAX_FIELDS) {
            fprintf(stderr, "colt: %s:%zu: too many fields (limit %d)\n", name, lineno,
                    MAX_FIELDS);
            exit(EXIT_INPUT);
        }
        cells[count++] = xstrndup(line + start, end - start);
    }
    if (count == 0 && skip_empty)
        return;
    add_row(cells, count);
}

static int read_input(const char *path)
{
    int from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "(standard input)" : path;
    FILE *in = from_stdin ? stdin : fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    if (!in) {
        fprintf(stderr, "colt: %s: %s\n", path, strerror(errno));
        return 0;
    }
    errno = 0;
    while ((got = getline(&line, &cap, in)) > 0) {
        size_t len = (size_t)got;
        if (memchr(line, '\0', len)) {
            fprintf(stderr, "colt: %s:%zu: NUL byte in input\n", name, lineno + 1);
            exit(EXIT_INPUT);
        }
        if (line[len - 1] == '\n')
            len--;
        split_line(name, ++lineno, line, len);
    }
    int ok = !ferror(in);
    if (!ok)
        fprintf(stderr, "colt: %s: %s\n", path, strerror(errno));
    free(line);
    if (!from_stdin)
        fclose(in);
    else
        clearerr(stdin);
    return ok;
}

static size_t widest_row(void)
{
    size_t n = 0;
    for (size_t r = 0; r < nrows; r++)
        if (rows[r].count > n)
            n = rows[r].count;
    return n;
}

/* Keep only the selected columns, in the order given. */
static void select_columns(void)
{
    size_t total = widest_row(), n = 0;
    size_t *chosen = xmalloc(sizeof *chosen * nselection * MAX_FIELDS);
    for (size_t i = 0; i < nselection; i++) {
        size_t to = selection[i].to == SIZE_MAX ? total - 1 : selection[i].to;
        for (size_t c = selection[i].from; c <= to && to != SIZE_MAX; c++)
            chosen[n++] = c;
    }
    for (size_t r = 0; r < nrows; r++) {
        char **cells = xmalloc(sizeof *cells * (n + 1));
        for (size_t i = 0; i < n; i++)
            cells[i] = chosen[i] < rows[r].count ? rows[r].cells[chosen[i]] : NULL;
        rows[r].cells = cells;
        rows[r].count = rows[r].blank ? 0 : n;
    }
}

static void transpose_rows(void)
{
    size_t ncols = widest_row();
    struct row *out = xmalloc(sizeof *out * (ncols + 1));
    for (size_t c = 0; c < ncols; c++) {
        out[c].cells = xmalloc(sizeof(char *) * (nrows + 1));
        out[c].count = nrows;
        out[c].blank = 0;
        for (size_t r = 0; r < nrows; r++)
            out[c].cells[r] = c < rows[r].count ? rows[r].cells[c] : NULL;
    }
    rows = out;
    nrows = ncols;
}

static void print_rule(const size_t *widths, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++) {
        putchar('+');
        for (size_t i = 0; i < widths[c] + 2; i++)
            putchar('-');
    }
    puts("+");
}

static void print_padding(size_t n)
{
    while (n--)
        putchar(' ');
}

static void print_row(const struct row *row, const size_t *widths, const char *aligns,
                      size_t ncols)
{
    if (row->blank && !border) {
        putchar('\n');
        return;
    }
    if (border)
        fputs("| ", stdout);
    for (size_t c = 0; c < ncols; c++) {
        const char *text = c < row->count && row->cells[c] ? row->cells[c] : filler;
        size_t len = width_of(text), gap = widths[c] - len;
        size_t left = aligns[c] == 'r' ? gap : aligns[c] == 'c' ? gap / 2 : 0;
        int last = c + 1 == ncols;
        if (c > 0)
            fputs(border ? " | " : output_separator, stdout);
        print_padding(left);
        fputs(text, stdout);
        if (!last || border)
            print_padding(gap - left);
    }
    puts(border ? " |" : "");
}

static void print_table(void)
{
    size_t ncols = widest_row();
    size_t *widths = xmalloc(sizeof *widths * (ncols + 1));
    char *aligns = xmalloc(ncols + 1);
    size_t spec_len = align_spec ? strlen(align_spec) : 0;
    if (nrows == 0 || (border && ncols == 0))
        return;
    for (size_t c = 0; c < ncols; c++) {
        int numbers = 0, others = 0;
        widths[c] = width_of(filler);
        for (size_t r = 0; r < nrows; r++) {
            char *text = c < rows[r].count ? rows[r].cells[c] : NULL;
            if (!text)
                continue;
            if (max_width && width_of(text) > (size_t)max_width) {
                size_t keep = prefix_bytes(text, (size_t)max_width - 1);
                text[keep] = '~';
                text[keep + 1] = '\0';
            }
            if (width_of(text) > widths[c])
                widths[c] = width_of(text);
            if (r == 0 && header)
                continue;
            if (is_number(text))
                numbers++;
            else if (*text)
                others++;
        }
        aligns[c] = spec_len ? align_spec[c < spec_len ? c : spec_len - 1] : 'l';
        if (numeric && numbers && !others)
            aligns[c] = 'r';
    }
    if (border)
        print_rule(widths, ncols);
    for (size_t r = 0; r < nrows; r++) {
        print_row(&rows[r], widths, aligns, ncols);
        if (r == 0 && header) {
            if (border) {
                print_rule(widths, ncols);
            } else {
                for (size_t c = 0; c < ncols; c++) {
                    if (c > 0)
                        fputs(output_separator, stdout);
                    for (size_t i = 0; i < widths[c]; i++)
                        putchar('-');
                }
                putchar('\n');
            }
        }
    }
    if (border)
        print_rule(widths, ncols);
}

static void help(void)
{
    fputs("Usage: colt [OPTION]... [FILE]...\n"
          "Align the fields of each line of FILEs (standard input by default) into columns.\n"
          "\n"
          "  -s, --separator=CHARS         split fields at any one of CHARS\n"
          "                                (default: runs of spaces and tabs)\n"
          "  -o, --output-separator=STRING put STRING between columns (default: two spaces)\n"
          "  -a, --align=SPEC              align columns by the letters l, r, c of SPEC;\n"
          "                                its last letter applies to the remaining columns\n"
          "  -n, --numeric                 right-align columns that hold only numbers\n"
          "  -H, --header                  underline the first row\n"
          "  -c, --columns=LIST            print only the columns of LIST, in its order\n"
          "  -w, --max-width=N             cut cells wider than N, marking the cut with ~\n"
          "  -e, --empty=STRING            print STRING for missing cells\n"
          "  -b, --border                  draw a box around the table and its cells\n"
          "  -S, --skip-empty              ignore lines that have no fields\n"
          "  -T, --transpose               swap rows and columns\n"
          "      --help                    display this help and exit\n"
          "      --version                 output version information and exit\n"
          "\n"
          "LIST is made of N, N-M or N- items separated by commas.\n"
          "Exit status: 0 if OK, 1 if a FILE could not be read, 2 on a usage error,\n"
          "3 on bad input (a NUL byte, or more than 100 fields on a line).\n",
          stdout);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"separator", required_argument, NULL, 's'},
        {"output-separator", required_argument, NULL, 'o'},
        {"align", required_argument, NULL, 'a'},
        {"numeric", no_argument, NULL, 'n'},
        {"header", no_argument, NULL, 'H'},
        {"columns", required_argument, NULL, 'c'},
        {"max-width", required_argument, NULL, 'w'},
        {"empty", required_argument, NULL, 'e'},
        {"border", no_argument, NULL, 'b'},
        {"skip-empty", no_argument, NULL, 'S'},
        {"transpose", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt, status = 0;
    while ((opt = getopt_long(argc, argv, "s:o:a:nHc:w:e:bST", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            separators = unescape(optarg);
            if (!*separators)
                usage_error("empty separator");
            break;
        case 'o':
            output_separator = unescape(optarg);
            break;
        case 'a':
            if (!*optarg || strspn(optarg, "lrc") != strlen(optarg))
                usage_error("invalid alignment '%s': use the letters l, r and c", optarg);
            align_spec = optarg;
            break;
        case 'n':
            numeric = 1;
            break;
        case 'H':
            header = 1;
            break;
        case 'c':
            parse_columns(optarg);
            break;
        case 'w':
            max_width = parse_count(optarg, strlen(optarg), 1, MAX_WIDTH);
            if (max_width < 0)
                usage_error("invalid width '%s': expected an integer from 1 to 1000", optarg);
            break;
        case 'e':
            filler = unescape(optarg);
            break;
        case 'b':
            border = 1;
            break;
        case 'S':
            skip_empty = 1;
            break;
        case 'T':
            transpose = 1;
            break;
        case 'h':
            help();
            return 0;
        case 'V':
            puts("colt " VERSION);
            return 0;
        default:
            fputs("Try 'colt --help' for more information.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (optind == argc) {
        read_input("-");
    } else {
        for (int i = optind; i < argc; i++)
            if (!read_input(argv[i]))
                status = EXIT_UNREADABLE;
    }
    if (selection)
        select_columns();
    if (transpose)
        transpose_rows();
    print_table();
    return status;
}
