// Package pcscd runs a private pcscd with the vpcd driver for tests, hermetically: the daemon
// lives in its own mount and network namespace, so it never collides with a system pcscd, with
// another test's daemon, or with a physical reader.
//
// How it is built (measured with pcsc-lite 1.9.9 and Debian's vsmartcard-vpcd on Linux 6.x, as
// root):
//
//   - pcscd 1.9.9 ignores a custom socket path, so Start unshares a mount and a network namespace
//     on a dedicated, locked OS thread, makes the mount tree private, mounts a tmpfs on
//     /run/pcscd (where pcscd puts pcscd.comm), brings lo up (ioctl SIOCSIFFLAGS) and starts
//     `pcscd --foreground -c <dir>` from that thread, so the daemon inherits the namespaces.
//     --auto-exit is never passed: the daemon runs until Stop. The thread stays alive until Stop
//     and pcscd is started with PR_SET_PDEATHSIG=SIGKILL, so a test process that dies (timeout
//     panic, SIGKILL) takes its daemon with it.
//   - The reader configuration is generated in the tmpfs: only vpcd ("Virtual PCD", channel
//     0x8C7B = TCP 35963 and 35964), whatever else /etc/reader.conf.d holds. /dev/bus/usb is
//     masked with an empty read-only tmpfs (unless Options.AllowUSB), so a private daemon never
//     claims a physical reader — or touches a physical card's retry counters.
//   - PC/SC clients outside the namespace reach the daemon through its root:
//     PCSCLITE_CSOCK_NAME=/proc/<pid>/root/run/pcscd/pcscd.comm works (libpcsclite 1.9.9 reads
//     the variable with getenv); Env and Command set it for child processes.
//   - The client library reads PCSCLITE_CSOCK_NAME once per process and caches it. For PC/SC
//     calls in this process (github.com/ebfe/scard), UseInProcess sets it, in the C environment
//     only, to /proc/self/fd/<N>, where N is an O_PATH descriptor this package owns and points
//     (dup3) at the selected daemon's socket: one process can use several daemons one after the
//     other, and child processes never inherit a path that means nothing to them.
//   - A card process outside the namespace reaches vpcd's TCP ports with DialVPCD: a goroutine
//     locks its OS thread, setns(2)s into the daemon's network namespace, dials
//     127.0.0.1:35963+slot and returns; the socket stays in that namespace for its life.
//   - CommandInside runs a program inside both namespaces (through nsenter), where the usual
//     paths and 127.0.0.1:35963 work unchanged.
//
// Facts about vpcd that users of this package need (measured): readers are named
// "Virtual PCD 00 00" and "Virtual PCD 00 01" (ReaderName) and are listed, without a card, as
// soon as Start returns (about 15 ms after it is called). pcscd polls card presence every 0.4 s and
// vpcd turns each poll into a get-ATR request to the card process, so a card process that
// connects shows as present 0.4 s later (vpcd accepts the connection on its next poll). pcscd
// powers the card on when a client connects and off about 0.4 s after the last client left;
// SCARD_RESET_CARD on disconnect sends a reset. A card stays powered while a client holds it.
package pcscd
