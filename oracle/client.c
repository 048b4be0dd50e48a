/*
 * `oracle run` without a Python start: the command agents call thousands of times.
 *
 * Same flags, wire protocol (oracle/wire.py), output bytes, exit codes and error messages as
 * the Python client (oracle/cli.py's cmd_run, the reference for behaviour); a property test
 * (tests/test_oracle_clients.py) runs both on generated command lines and compares them byte
 * for byte. Every other command (batch, test, exec, serve, help) is handed to the Python
 * `oracle` at ORACLE_PYTHON with the same argv.
 *
 * Text is handled the way Python's defaults handle it: argv and the environment decode as UTF-8
 * with surrogateescape (an undecodable byte is the lone surrogate U+DC80+byte), and stderr
 * writes with backslashreplace (that surrogate prints as "\udcXX").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#ifndef ORACLE_PYTHON
#define ORACLE_PYTHON "/opt/mirror/bin/oracle-py"
#endif
#define DEFAULT_SOCKET "/oracle/oracle.sock"
#define CHUNK 65536

typedef struct {
    char *data;
    size_t len, cap;
} buf;

static void die(int status, const char *message);

static void put(buf *b, const void *data, size_t len) {
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1) cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) die(125, "out of memory");
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

static void puts_(buf *b, const char *text) { put(b, text, strlen(text)); }

static void printf_(buf *b, const char *format, ...) {
    char tmp[64];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(tmp, sizeof tmp, format, args);
    va_end(args);
    put(b, tmp, (size_t)n);
}

/* The length of the well-formed UTF-8 sequence at s (Python's strict decoder), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    if (n == 0) return 0;
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (n < need || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return need;
}

/* Decode one code point at s (surrogateescape for a byte that starts no valid sequence). */
static unsigned decode(const unsigned char *s, size_t n, size_t *used) {
    size_t len = utf8_len(s, n);
    if (len == 0) {
        *used = 1;
        return 0xDC00 + s[0];
    }
    *used = len;
    if (len == 1) return s[0];
    unsigned cp = s[0] & (0xFF >> (len + 1));
    for (size_t i = 1; i < len; i++) cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

static int is_utf8(const char *s, size_t n) {
    for (size_t i = 0, len; i < n; i += len)
        if (!(len = utf8_len((const unsigned char *)s + i, n - i))) return 0;
    return 1;
}

/* Text as Python writes it to stderr: an undecodable byte becomes "\udcXX". */
static void text(buf *out, const char *s, size_t n) {
    for (size_t i = 0, len; i < n; i += len) {
        len = utf8_len((const unsigned char *)s + i, n - i);
        if (len) put(out, s + i, len);
        else {
            printf_(out, "\\udc%02x", (unsigned char)s[i]);
            len = 1;
        }
    }
}

/* Python's ascii(): a quoted literal with every non-ASCII character escaped. */
static void ascii_repr(buf *out, const char *s) {
    size_t n = strlen(s);
    char quote = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
    put(out, &quote, 1);
    for (size_t i = 0, used; i < n; i += used) {
        unsigned cp = decode((const unsigned char *)s + i, n - i, &used);
        if (cp == (unsigned)quote || cp == '\\') {
            char pair[2] = {'\\', (char)cp};
            put(out, pair, 2);
        } else if (cp == '\t') puts_(out, "\\t");
        else if (cp == '\n') puts_(out, "\\n");
        else if (cp == '\r') puts_(out, "\\r");
        else if (cp < 0x20 || cp == 0x7F) printf_(out, "\\x%02x", cp);
        else if (cp < 0x7F) {
            char c = (char)cp;
            put(out, &c, 1);
        } else if (cp < 0x100) printf_(out, "\\x%02x", cp);
        else if (cp < 0x10000) printf_(out, "\\u%04x", cp);
        else printf_(out, "\\U%08x", cp);
    }
    put(out, &quote, 1);
}

static void write_all(int fd, const char *data, size_t len);
static void os_error(const char *path);

static void die(int status, const char *message) {
    buf line = {0};
    puts_(&line, "oracle: ");
    text(&line, message, strlen(message));
    if (status == 2) puts_(&line, "; `oracle --help` shows the usage");
    puts_(&line, "\n");
    write_all(2, line.data, line.len);
    exit(status);
}

static void write_all(int fd, const char *data, size_t len) {
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (fd == 2) exit(125);
            os_error(NULL);
        }
        data += n;
        len -= (size_t)n;
    }
}

/* A JSON string literal as oracle/wire.py's json_string writes it. */
static void json_string(buf *out, const char *s, size_t n) {
    puts_(out, "\"");
    for (size_t i = 0, len; i < n; i += len) {
        unsigned char c = (unsigned char)s[i];
        len = utf8_len((const unsigned char *)s + i, n - i);
        if (!len) {
            printf_(out, "\\udc%02x", c);
            len = 1;
        } else if (c == '"') puts_(out, "\\\"");
        else if (c == '\\') puts_(out, "\\\\");
        else if (c == '\n') puts_(out, "\\n");
        else if (c == '\r') puts_(out, "\\r");
        else if (c == '\t') puts_(out, "\\t");
        else if (c < 0x20 || c == 0x7F) printf_(out, "\\u%04x", c);
        else put(out, s + i, len);
    }
    puts_(out, "\"");
}

static void base64(buf *out, const unsigned char *s, size_t n) {
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n) v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n) v |= s[i + 2];
        char quad[4] = {digits[v >> 18], digits[(v >> 12) & 63],
                        i + 1 < n ? digits[(v >> 6) & 63] : '=', i + 2 < n ? digits[v & 63] : '='};
        put(out, quad, 4);
    }
}

/* Bytes as the case format encodes them: text when UTF-8, else a base64 object. */
static void json_bytes(buf *out, const buf *data) {
    if (is_utf8(data->data, data->len)) {
        json_string(out, data->data, data->len);
        return;
    }
    puts_(out, "{\"base64\": \"");
    base64(out, (const unsigned char *)data->data, data->len);
    puts_(out, "\"}");
}

/* A string as Python's json.dumps writes it (ensure_ascii). */
static void json_dumps_string(buf *out, const char *s, size_t n);

/* Bytes of an outcome as Outcome.to_json and json.dumps write them: text or a base64 object. */
static void outcome_bytes(buf *out, const char *s, size_t n) {
    if (is_utf8(s, n)) json_dumps_string(out, s, n);
    else {
        puts_(out, "{\"base64\": \"");
        base64(out, (const unsigned char *)s, n);
        puts_(out, "\"}");
    }
}

static void json_dumps_string(buf *out, const char *s, size_t n) {
    puts_(out, "\"");
    for (size_t i = 0, used; i < n; i += used) {
        unsigned cp = decode((const unsigned char *)s + i, n - i, &used);
        if (cp == '"') puts_(out, "\\\"");
        else if (cp == '\\') puts_(out, "\\\\");
        else if (cp == '\n') puts_(out, "\\n");
        else if (cp == '\r') puts_(out, "\\r");
        else if (cp == '\t') puts_(out, "\\t");
        else if (cp == '\b') puts_(out, "\\b");
        else if (cp == '\f') puts_(out, "\\f");
        else if (cp >= 0x20 && cp < 0x7F) {
            char c = (char)cp;
            put(out, &c, 1);
        } else if (cp < 0x10000) printf_(out, "\\u%04x", cp);
        else {
            cp -= 0x10000;
            printf_(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        }
    }
    puts_(out, "\"");
}

/* Python's repr() of a finite float: the shortest digits that read back as the same value. */
static void float_repr(buf *out, double x) {
    if (x == 0) {
        puts_(out, signbit(x) ? "-0.0" : "0.0");
        return;
    }
    char tmp[64];
    for (int precision = 0; precision < 17; precision++) {
        snprintf(tmp, sizeof tmp, "%.*e", precision, x);
        if (strtod(tmp, NULL) == x) break;
    }
    char *p = tmp, digits[32];
    size_t count = 0;
    if (*p == '-') {
        puts_(out, "-");
        p++;
    }
    for (; *p != 'e'; p++)
        if (*p != '.') digits[count++] = *p;
    while (count > 1 && digits[count - 1] == '0') count--;
    digits[count] = 0;
    int point = atoi(p + 1) + 1; /* value = 0.DIGITS x 10^point */
    if (point <= -4 || point > 16) {
        put(out, digits, 1);
        if (count > 1) {
            puts_(out, ".");
            put(out, digits + 1, count - 1);
        }
        printf_(out, "e%c%02d", point - 1 < 0 ? '-' : '+', abs(point - 1));
    } else if (point <= 0) {
        puts_(out, "0.");
        for (int i = point; i < 0; i++) puts_(out, "0");
        put(out, digits, count);
    } else if ((size_t)point < count) {
        put(out, digits, (size_t)point);
        puts_(out, ".");
        put(out, digits + point, count - (size_t)point);
    } else {
        put(out, digits, count);
        for (size_t i = count; i < (size_t)point; i++) puts_(out, "0");
        puts_(out, ".0");
    }
}

/* Options as oracle/cli.py's _options: each valued option keeps its values in order. */
enum { OPT_STDIN, OPT_FILE, OPT_ENV, OPT_TIMEOUT, VALUED };
static const char *const valued_names[VALUED] = {"--stdin", "--file", "--env", "--timeout"};

typedef struct {
    int json;
    char **values[VALUED];
    size_t counts[VALUED];
    char **args;
    int nargs;
} options;

static void usage_error(const char *format, const char *word, int quoted) {
    buf message = {0};
    const char *mark = strstr(format, "%s");
    put(&message, format, (size_t)(mark - format));
    if (quoted) ascii_repr(&message, word);
    else puts_(&message, word);
    puts_(&message, mark + 2);
    die(2, message.data);
}

static void parse(int argc, char **argv, options *o) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < VALUED; i++) o->values[i] = calloc((size_t)argc + 1, sizeof(char *));
    int index = 0;
    while (index < argc) {
        char *word = argv[index];
        if (strcmp(word, "--") == 0) {
            o->args = argv + index + 1;
            o->nargs = argc - index - 1;
            return;
        }
        size_t name_len = strlen(word);
        const char *inline_value = "";
        char *equals = strchr(word, '=');
        if (strncmp(word, "--", 2) == 0 && equals) {
            name_len = (size_t)(equals - word);
            inline_value = equals + 1;
        }
        int kind = -1;
        for (int k = 0; k < VALUED; k++)
            if (strlen(valued_names[k]) == name_len && strncmp(word, valued_names[k], name_len) == 0)
                kind = k;
        if (name_len == 6 && strncmp(word, "--json", 6) == 0 && !*inline_value) o->json = 1;
        else if (kind >= 0) {
            if (!*inline_value) {
                if (++index >= argc) {
                    char name[16];
                    snprintf(name, sizeof name, "%s", valued_names[kind]);
                    usage_error("%s needs a value", name, 0);
                }
                inline_value = argv[index];
            }
            o->values[kind][o->counts[kind]++] = (char *)inline_value;
        } else if (word[0] == '-') usage_error("unknown option %s", word, 0);
        else {
            o->args = argv + index;
            o->nargs = argc - index;
            return;
        }
        index++;
    }
    o->args = argv + argc;
    o->nargs = 0;
}

/* NAME=VALUE pairs in a Python dict's order: first appearance, last value. */
typedef struct {
    char **keys, **values;
    size_t count;
} pairs;

static pairs to_pairs(char **values, size_t count, const char *option) {
    pairs p = {calloc(count + 1, sizeof(char *)), calloc(count + 1, sizeof(char *)), 0};
    for (size_t i = 0; i < count; i++) {
        char *sep = strchr(values[i], '=');
        if (!sep || sep == values[i]) {
            char format[64];
            snprintf(format, sizeof format, "%s expects NAME=VALUE, got %%s", option);
            usage_error(format, values[i], 1);
        }
        char *key = strndup(values[i], (size_t)(sep - values[i]));
        size_t j = 0;
        while (j < p.count && strcmp(p.keys[j], key) != 0) j++;
        if (j == p.count) p.keys[p.count++] = key;
        p.values[j] = sep + 1;
    }
    return p;
}

/* An OSError as oracle/cli.py's _message shows it: the file first when there is one. */
static void os_error(const char *path) {
    buf message = {0};
    if (path) {
        puts_(&message, path);
        puts_(&message, ": ");
    } else printf_(&message, "[Errno %d] ", errno);
    puts_(&message, strerror(errno));
    die(125, message.data);
}

static buf read_input(const char *path) {
    buf data = {0};
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) os_error(path);
    put(&data, "", 0);
    for (;;) {
        char chunk[CHUNK];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            os_error(path);
        }
        if (n == 0) break;
        put(&data, chunk, (size_t)n);
    }
    if (fd) close(fd);
    return data;
}

/* A finite decimal number in plain ASCII ([+-]digits[.digits][e[+-]digits]), else 0. */
static int parse_decimal(const char *s, double *value) {
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    size_t whole = strspn(p, "0123456789");
    p += whole;
    size_t fraction = 0;
    if (*p == '.') {
        fraction = strspn(p + 1, "0123456789");
        p += 1 + fraction;
    }
    if (whole + fraction == 0) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        size_t exponent = strspn(p, "0123456789");
        if (!exponent) return 0;
        p += exponent;
    }
    if (*p) return 0;
    *value = strtod(s, NULL);
    return isfinite(*value);
}

/* The "error" string of a JSON error line, decoded as Python's json.loads and str.replace
 * ("\n" -> " ") and stderr's backslashreplace (a lone surrogate -> "\uXXXX") would. */
static void error_text(buf *out, const char *line) {
    const char *p = strstr(line, "\"error\": \"");
    if (!p) {
        puts_(out, "unknown error");
        return;
    }
    for (p += 10; *p && *p != '"'; p++) {
        if (*p != '\\') {
            put(out, *p == '\n' ? " " : p, 1);
            continue;
        }
        char c = *++p;
        const char *simple = c == 'n' ? " " : c == 't' ? "\t" : c == 'r' ? "\r" : c == 'b' ? "\b"
                           : c == 'f' ? "\f" : NULL;
        if (simple) puts_(out, simple);
        else if (c != 'u') put(out, p, 1);
        else {
            unsigned cp = (unsigned)strtoul((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                unsigned low = (unsigned)strtoul((char[]){p[3], p[4], p[5], p[6], 0}, NULL, 16);
                if (low >= 0xDC00 && low < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    p += 6;
                }
            }
            char utf8[4];
            if (cp >= 0xD800 && cp < 0xE000) printf_(out, "\\u%04x", cp);
            else if (cp < 0x80) {
                utf8[0] = (char)cp;
                put(out, utf8, 1);
            } else if (cp < 0x800) {
                utf8[0] = (char)(0xC0 | (cp >> 6));
                utf8[1] = (char)(0x80 | (cp & 0x3F));
                put(out, utf8, 2);
            } else if (cp < 0x10000) {
                utf8[0] = (char)(0xE0 | (cp >> 12));
                utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                utf8[2] = (char)(0x80 | (cp & 0x3F));
                put(out, utf8, 3);
            } else {
                utf8[0] = (char)(0xF0 | (cp >> 18));
                utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
                utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
                utf8[3] = (char)(0x80 | (cp & 0x3F));
                put(out, utf8, 4);
            }
        }
    }
}

static void unreachable(const char *socket_path, const char *reason) {
    buf message = {0};
    puts_(&message, "cannot reach the oracle at ");
    for (const char *p = socket_path; *p; p++) put(&message, *p == '\n' ? " " : p, 1);
    puts_(&message, ": ");
    puts_(&message, reason);
    puts_(&message, " (set MIRROR_ORACLE_SOCKET to its socket)");
    die(125, message.data);
}

/* Send the request; return the reply (header line and both streams) in *reply. */
static void exchange(const char *socket_path, const buf *request, buf *reply, size_t *header) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    size_t length = strlen(socket_path);
    if (length >= sizeof address.sun_path) unreachable(socket_path, "AF_UNIX path too long");
    memcpy(address.sun_path, socket_path, length);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) os_error(NULL);
    socklen_t size = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length);
    while (connect(sock, (struct sockaddr *)&address, size) != 0)
        if (errno != EINTR) unreachable(socket_path, strerror(errno));
    write_all(sock, request->data, request->len);
    size_t need = (size_t)-1;
    char *newline = NULL;
    for (;;) {
        if (newline && reply->len >= need) break;
        char chunk[CHUNK];
        ssize_t n = read(sock, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) os_error(NULL);
        if (n == 0)
            die(125, newline ? "the oracle closed the connection mid-reply"
                             : "the oracle closed the connection");
        put(reply, chunk, (size_t)n);
        if (!newline && (newline = memchr(reply->data, '\n', reply->len))) {
            *header = (size_t)(newline - reply->data) + 1;
            if (strncmp(reply->data, "raw ", 4) != 0) {
                *newline = 0;
                buf message = {0};
                error_text(&message, reply->data);
                die(125, message.data);
            }
            unsigned long out_len = 0, err_len = 0, files_len = 0;
            sscanf(reply->data, "raw %*s %*s %*s %*s %*s %lu %lu %*s %lu", &out_len, &err_len,
                   &files_len);
            need = *header + out_len + err_len + files_len;
        }
    }
    close(sock);
}

static int run(int argc, char **argv) {
    options o;
    parse(argc, argv, &o);
    pairs files = to_pairs(o.values[OPT_FILE], o.counts[OPT_FILE], "--file");
    buf stdin_data = {0};
    put(&stdin_data, "", 0);
    if (o.counts[OPT_STDIN]) stdin_data = read_input(o.values[OPT_STDIN][o.counts[OPT_STDIN] - 1]);
    buf *inputs = calloc(files.count + 1, sizeof(buf));
    for (size_t i = 0; i < files.count; i++) inputs[i] = read_input(files.values[i]);
    pairs env = to_pairs(o.values[OPT_ENV], o.counts[OPT_ENV], "--env");
    double timeout = 10.0;
    if (o.counts[OPT_TIMEOUT]) {
        const char *value = o.values[OPT_TIMEOUT][o.counts[OPT_TIMEOUT] - 1];
        if (!parse_decimal(value, &timeout)) usage_error("--timeout expects a number, got %s",
                                                         value, 1);
    }

    buf request = {0};
    puts_(&request, "{\"op\": \"run\", \"reply\": \"raw\", \"case\": {\"args\": [");
    for (int i = 0; i < o.nargs; i++) {
        if (i) puts_(&request, ", ");
        json_string(&request, o.args[i], strlen(o.args[i]));
    }
    puts_(&request, "], \"timeout\": ");
    float_repr(&request, timeout);
    if (stdin_data.len) {
        puts_(&request, ", \"stdin\": ");
        json_bytes(&request, &stdin_data);
    }
    if (files.count) {
        puts_(&request, ", \"files\": {");
        for (size_t i = 0; i < files.count; i++) {
            if (i) puts_(&request, ", ");
            json_string(&request, files.keys[i], strlen(files.keys[i]));
            puts_(&request, ": ");
            json_bytes(&request, &inputs[i]);
        }
        puts_(&request, "}");
    }
    if (env.count) {
        puts_(&request, ", \"env\": {");
        for (size_t i = 0; i < env.count; i++) {
            if (i) puts_(&request, ", ");
            json_string(&request, env.keys[i], strlen(env.keys[i]));
            puts_(&request, ": ");
            json_string(&request, env.values[i], strlen(env.values[i]));
        }
        puts_(&request, "}");
    }
    puts_(&request, "}}\n");

    const char *socket_path = getenv("MIRROR_ORACLE_SOCKET");
    buf reply = {0};
    size_t header = 0;
    exchange(socket_path ? socket_path : DEFAULT_SOCKET, &request, &reply, &header);
    char exit_code[32], signal_[32];
    int timed_out, out_cut, err_cut, files_cut;
    unsigned long out_len, err_len, files_len;
    sscanf(reply.data, "raw %31s %31s %d %d %d %lu %lu %d %lu", exit_code, signal_, &timed_out,
           &out_cut, &err_cut, &out_len, &err_len, &files_cut, &files_len);
    const char *out = reply.data + header, *err = out + out_len, *written = err + err_len;

    if (o.json) {
        buf line = {0};
        puts_(&line, "{\"stdout\": ");
        const buf streams[2] = {{(char *)out, out_len, 0}, {(char *)err, err_len, 0}};
        for (int i = 0; i < 2; i++) {
            if (i) puts_(&line, ", \"stderr\": ");
            outcome_bytes(&line, streams[i].data, streams[i].len);
        }
        printf_(&line, ", \"exit_code\": %s", exit_code[0] == '-' ? "null" : exit_code);
        printf_(&line, ", \"signal\": %s", signal_[0] == '-' ? "null" : signal_);
        printf_(&line, ", \"timed_out\": %s", timed_out ? "true" : "false");
        printf_(&line, ", \"stdout_truncated\": %s", out_cut ? "true" : "false");
        printf_(&line, ", \"stderr_truncated\": %s", err_cut ? "true" : "false");
        if (files_len) {
            /* Each file: "NAME_LEN DATA_LEN\n", the name's bytes, the data's (oracle/wire.py). */
            puts_(&line, ", \"files\": {");
            for (const char *p = written, *end = written + files_len; p < end;) {
                char *after;
                unsigned long name_len = strtoul(p, &after, 10);
                unsigned long data_len = strtoul(after, &after, 10);
                const char *name = after + 1;
                if (p != written) puts_(&line, ", ");
                json_dumps_string(&line, name, name_len);
                puts_(&line, ": ");
                outcome_bytes(&line, name + name_len, data_len);
                p = name + name_len + data_len;
            }
            puts_(&line, "}");
        }
        if (files_cut) puts_(&line, ", \"files_truncated\": true");
        puts_(&line, ", \"duration\": 0.0}\n");
        write_all(1, line.data, line.len);
        return 0;
    }
    write_all(1, out, out_len);
    write_all(2, err, err_len);
    if (files_len) {
        const char *note = "oracle: the reference also wrote files; `oracle run --json` shows them\n";
        write_all(2, note, strlen(note));
    }
    if (timed_out) {
        char message[96];
        snprintf(message, sizeof message, "oracle: the reference timed out after %gs\n", timeout);
        write_all(2, message, strlen(message));
        return 124;
    }
    if (signal_[0] != '-') return 128 + atoi(signal_);
    return atoi(exit_code);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "run") == 0 &&
        !(argc >= 3 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0))) {
        signal(SIGPIPE, SIG_IGN); /* as Python: a closed pipe is an error, not a death */
        return run(argc - 2, argv + 2);
    }
    execv(ORACLE_PYTHON, argv);
    buf message = {0};
    puts_(&message, "cannot start " ORACLE_PYTHON ": ");
    puts_(&message, strerror(errno));
    die(125, message.data);
}
