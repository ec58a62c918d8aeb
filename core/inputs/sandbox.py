"""Lock a child process down before it touches an untrusted file: defence in depth behind the model gate.

After ``lock_down()`` the process (every thread of it) cannot open a file for writing, create, rename,
delete or change the mode of anything, start a program or a new process (threads still work), open a
socket, or use the administrator's calls a root process could (mount, modules, reboot, io_uring, another
process's memory or files); the kernel refuses them through a seccomp filter (Linux, x86-64 and arm64).
It is a deny-list of what could reach outside the process: reading files and computing stay allowed,
since loading a model needs both.
Resource limits cap file size, core dumps and, when asked, the address space. ``isolate_network()`` also
moves the process into an empty network namespace where the kernel allows it (best effort; the socket
refusal holds either way). Nothing here can be undone by the process once in force.
"""

import ctypes
import errno
import os
import platform
import resource
import struct
import sys

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}  # AUDIT_ARCH_* of seccomp_data.arch
# System calls refused outright, by architecture (x86-64 has the legacy path-based calls too).
_DENIED_TEXT = {
    "x86_64": """execve=59 execveat=322 fork=57 vfork=58 socket=41 socketpair=53 creat=85 mkdir=83 mkdirat=258
        rename=82 renameat=264 renameat2=316 unlink=87 unlinkat=263 rmdir=84 link=86 linkat=265 symlink=88
        symlinkat=266 truncate=76 ftruncate=77 chmod=90 fchmod=91 fchmodat=268 fchmodat2=452 chown=92 fchown=93
        lchown=94 fchownat=260 mknod=133 mknodat=259 kill=62 ptrace=101 mount=165 umount2=166 unshare=272
        setns=308 pivot_root=155 swapon=167 swapoff=168 reboot=169 sethostname=170 setdomainname=171 iopl=172
        ioperm=173 init_module=175 delete_module=176 acct=163 settimeofday=164 kexec_load=246 clock_settime=227
        open_by_handle_at=304 process_vm_writev=311 finit_module=313 kexec_file_load=320 bpf=321
        io_uring_setup=425 pidfd_getfd=438 setxattr=188 lsetxattr=189 fsetxattr=190 removexattr=197
        lremovexattr=198 fremovexattr=199""",
    "aarch64": """execve=221 execveat=281 socket=198 socketpair=199 mkdirat=34 renameat=38 renameat2=276
        unlinkat=35 linkat=37 symlinkat=36 truncate=45 ftruncate=46 fchmod=52 fchmodat=53 fchmodat2=452
        fchown=55 fchownat=54 mknodat=33 kill=129 ptrace=117 mount=40 umount2=39 unshare=97 setns=268
        pivot_root=41 swapon=224 swapoff=225 reboot=142 sethostname=161 setdomainname=162 init_module=105
        delete_module=106 acct=89 settimeofday=170 kexec_load=104 clock_settime=112 open_by_handle_at=265
        process_vm_writev=271 finit_module=273 kexec_file_load=294 bpf=280 io_uring_setup=425 pidfd_getfd=438
        setxattr=5 lsetxattr=6 fsetxattr=7 removexattr=14 lremovexattr=15 fremovexattr=16""",
}
_DENIED = {
    arch: {name: int(number) for name, number in (word.split("=") for word in text.split())}
    for arch, text in _DENIED_TEXT.items()
}
# (name, number, index of the flags argument): opens are refused when they ask to write, create or truncate.
_OPENS = {"x86_64": (("open", 2, 1), ("openat", 257, 2)), "aarch64": (("openat", 56, 2),)}
_CLONE = {"x86_64": 56, "aarch64": 220}  # allowed only with CLONE_THREAD: threads yes, processes no
_NOT_THERE = {"x86_64": (435, 437), "aarch64": (435, 437)}  # clone3, openat2: flags behind a pointer -> ENOSYS
_SECCOMP = {"x86_64": 317, "aarch64": 277}

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CLONE_THREAD = 0x00010000
_X32_BIT = 0x40000000

# Classic BPF, as the kernel's seccomp filters take it.
_LD_ABS, _JEQ, _JSET, _JGE, _RET = 0x20, 0x15, 0x45, 0x35, 0x06
_ALLOW, _KILL = 0x7FFF0000, 0x80000000


def _errno(code: int) -> int:
    return 0x00050000 | code


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def filter_program(arch: str) -> list[bytes]:
    """The BPF instructions of the filter for ``arch`` (``x86_64`` or ``aarch64``)."""
    deny = _op(_RET, _errno(errno.EPERM))
    program = [_op(_LD_ABS, 4), _op(_JEQ, _ARCH[arch], 1, 0), _op(_RET, _KILL), _op(_LD_ABS, 0)]
    if arch == "x86_64":
        program += [_op(_JGE, _X32_BIT, 0, 1), deny]  # the x32 ABI's numbers would slip past the list
    for number in _DENIED[arch].values():
        program += [_op(_JEQ, number, 0, 1), deny]
    for number in _NOT_THERE[arch]:
        program += [_op(_JEQ, number, 0, 1), _op(_RET, _errno(errno.ENOSYS))]
    allow = _op(_RET, _ALLOW)
    program += [_op(_JEQ, _CLONE[arch], 0, 4), _op(_LD_ABS, 16), _op(_JSET, _CLONE_THREAD, 1, 0), deny, allow]
    for _, number, argument in _OPENS[arch]:
        program += [_op(_JEQ, number, 0, 4), _op(_LD_ABS, 16 + 8 * argument), _op(_JSET, _WRITE_FLAGS, 0, 1)]
        program += [deny, allow]
    return [*program, allow]


class SandboxUnavailable(RuntimeError):
    """The kernel or platform cannot give the sandbox; callers decide whether to go on without it."""


def lock_down(max_file_bytes: int = 2**20, max_address_space: int | None = None) -> None:
    """Apply the resource limits and the seccomp filter to every thread of this process; irreversible."""
    for limit, value in ((resource.RLIMIT_FSIZE, max_file_bytes), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    if max_address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (max_address_space, max_address_space))
    arch = platform.machine()
    if sys.platform != "linux" or arch not in _ARCH:
        raise SandboxUnavailable(f"no seccomp filter for {sys.platform}/{arch}")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: needed to install a filter without root
        raise SandboxUnavailable(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    code = b"".join(filter_program(arch))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    program = Program(len(code) // 8, code)
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC): the threads TensorFlow already started too.
    if libc.syscall(_SECCOMP[arch], 1, 1, ctypes.byref(program)) != 0:
        raise SandboxUnavailable(f"seccomp failed: {os.strerror(ctypes.get_errno())}")


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace; False where the kernel does not allow it."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    new_net, new_user = 0x40000000, 0x10000000
    flags = new_net if os.geteuid() == 0 else new_net | new_user  # a user namespace needs one thread only
    return libc.unshare(flags) == 0
