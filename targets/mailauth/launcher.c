/*
 * mailauth's reference program: the CLI of the npm package, bundled into one script that is
 * compiled into this launcher (mode 0711, unreadable like every reference binary). It hands the
 * script to Debian's node through an anonymous memory file at fd 3, which node's loader reads
 * and closes before any of mailauth's code runs: no file on disk holds mailauth's JavaScript,
 * so nothing the program is asked to read (a message, a DNS cache, a key) can show it.
 * The script is named as if it sat in /usr/share/mailauth/node_modules/mailauth/bin (it does not):
 * the data files it reads relative to itself (package.json for --version, the licence files,
 * yargs' translations) are there, as npm installs them, and no code is.
 * node is a private copy of Debian's, mode 0711 like the launcher: /proc/self/exe cannot be read,
 * and the process, started from a file it cannot read, is not dumpable (its /proc/self/fd, where
 * node's own descriptors are, belongs to root).
 * NODE_* variables are removed: NODE_OPTIONS could otherwise ask node for a heap snapshot (which
 * holds the script's text) written into the case folder.
 * Descriptors 4 to 9 hold /dev/null while node starts, so that node's own (its event loop's epoll,
 * eventfds and pipes) land at 10 and above; the loader closes 3 to 9 before mailauth's code
 * runs. A case that reads /dev/fd/4 to /dev/fd/9 then gets ENOENT, and /dev/fd/3 is the /dev/null
 * that libuv keeps open as its spare descriptor, rather than one of node's own, which would block
 * or fail with an unusual message.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const char bundle_start[], bundle_end[];
__asm__(".section .rodata\n.global bundle_start\nbundle_start:\n.incbin \"mailauth.js\"\n"
        ".global bundle_end\nbundle_end:\n.byte 0\n.previous\n");

/* argv[1] is the root the data files and node are under: empty in the reference's image; the
 * folder the calibration's copy of the reference was unpacked in (MIRROR_PACK_ROOT, which no case
 * can set) elsewhere. Stack traces name the script's path without it, in both places. */
static const char LOADER[] =
    "const fs = require('fs'), Module = require('module'), path = require('path');"
    "const vm = require('vm');"
    "const source = fs.readFileSync(3, 'utf8');"
    "for (let fd = 3; fd < 10; fd++) fs.closeSync(fd);"
    "const root = process.argv[1];"
    "const name = '/usr/share/mailauth/node_modules/mailauth/bin/mailauth.js';"
    "const main = new Module(root + name, null);"
    "main.filename = root + name; main.paths = []; main.id = '.';"
    "process.mainModule = main;"
    "process.argv = [process.execPath, '/usr/local/bin/mailauth', ...process.argv.slice(2)];"
    "const parameters = ['exports', 'require', 'module', '__filename', '__dirname'];"
    "const run = vm.compileFunction(source, parameters, {filename: name});"
    "run.call(main.exports, main.exports, Module.createRequire(root + name), main,"
    "         root + name, path.dirname(root + name));";

static void fail(const char *what) {
    perror(what);
    exit(126);
}

int main(int argc, char **argv) {
    extern char **environ;
    int fd = memfd_create("mailauth", 0);
    if (fd < 0) fail("memfd_create");
    for (const char *at = bundle_start; at < bundle_end;) {
        ssize_t written = write(fd, at, (size_t)(bundle_end - at));
        if (written <= 0) fail("write");
        at += written;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) fail("lseek");
    if (fd != 3 && (dup2(fd, 3) != 3 || close(fd) != 0)) fail("dup2");
    int null = open("/dev/null", O_RDONLY);
    if (null < 0) fail("/dev/null");
    for (int held = 4; held < 10; held++)
        if (held != null && dup2(null, held) != held) fail("dup2");
    if (null >= 10) close(null);
    for (char **env = environ; *env;) {
        if (strncmp(*env, "NODE_", 5) == 0) {
            char name[256];
            size_t length = strcspn(*env, "=");
            snprintf(name, sizeof name, "%.*s", (int)length, *env);
            unsetenv(name);
        } else env++;
    }
    const char *given = getenv("MIRROR_PACK_ROOT");
    char *root = strdup(given ? given : "");
    char node[4096];
    if (!root || snprintf(node, sizeof node, "%s/usr/local/lib/mailauth/node", root) >= (int)sizeof node)
        fail("MIRROR_PACK_ROOT");
    unsetenv("MIRROR_PACK_ROOT");
    char **args = calloc((size_t)argc + 5, sizeof *args);
    if (!args) fail("calloc");
    args[0] = "node";
    args[1] = "-e";
    args[2] = (char *)LOADER;
    args[3] = "--";
    args[4] = root;
    for (int i = 1; i < argc; i++) args[i + 4] = argv[i];
    execv(node, args);
    fail(node);
}
