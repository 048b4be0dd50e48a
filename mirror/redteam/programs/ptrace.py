"""Probe: ptrace, process_vm_readv and /proc/PID/mem on a child of the probe (same uid)."""

import ctypes
import os
import time

libc = ctypes.CDLL(None, use_errno=True)


class IOVec(ctypes.Structure):
    _fields_ = (("base", ctypes.c_void_p), ("len", ctypes.c_size_t))


secret = ctypes.create_string_buffer(b"secret!")
child = os.fork()
if child == 0:
    time.sleep(10)
    os._exit(0)


def errno_text(value):
    return os.strerror(ctypes.get_errno()) if value < 0 else None


buffer = ctypes.create_string_buffer(8)
local = IOVec(ctypes.cast(buffer, ctypes.c_void_p), 7)
remote = IOVec(ctypes.cast(secret, ctypes.c_void_p), 7)
read = libc.process_vm_readv(child, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
result = {"process_vm_readv": errno_text(read) or f"read {buffer.value!r}"}
attached = libc.ptrace(16, child, None, None)  # PTRACE_ATTACH
result["ptrace"] = errno_text(attached) or "attached"
try:
    os.close(os.open(f"/proc/{child}/mem", os.O_RDONLY))
    result["mem"] = "opened"
except OSError as e:
    result["mem"] = e.strerror
os.kill(child, 9)
os.waitpid(child, 0)
