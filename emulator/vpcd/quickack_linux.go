package vpcd

import (
	"net"

	"golang.org/x/sys/unix"
)

// quickAcker returns a function that re-arms TCP_QUICKACK on c, so the kernel acknowledges the
// next segment at once instead of after the delayed-ACK timer (the option is not sticky).
func quickAcker(c *net.TCPConn) func() {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	set := func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1) }
	arm := func() { _ = rc.Control(set) }
	arm()
	return arm
}
