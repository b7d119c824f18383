package web

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/session"
)

// tcpListener hands each accepted connection to conns.
type tcpListener struct {
	net.Listener
	conns chan *net.TCPConn
}

func (l tcpListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.conns <- c.(*net.TCPConn)
	}
	return c, err
}

// sendQueue is the size of a socket's send buffer and the bytes waiting
// in it (written by the server, not yet acknowledged by the client).
func sendQueue(t *testing.T, c *net.TCPConn) (size, queued int) {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var errno syscall.Errno
	raw.Control(func(fd uintptr) {
		size, err = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&queued)))
	})
	if err != nil || errno != 0 {
		t.Fatal(err, errno)
	}
	return size, queued
}

// orderData reads server-sent events and keeps each order's latest data,
// until done says so.
func orderData(t *testing.T, sc *bufio.Scanner, got map[string]string, done func() bool) {
	t.Helper()
	name := ""
	for !done() {
		if !sc.Scan() {
			t.Fatalf("the stream ended: %v (%d orders read)", sc.Err(), len(got))
		}
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			name = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok && name == "order" {
			i := strings.Index(v, `"id":"`) + len(`"id":"`)
			got[v[i:i+strings.IndexByte(v[i:], '"')]] = v
		}
	}
}

// A client that sends its request and reads nothing costs the server a
// bounded amount however much happens on the floor: the kernel holds at
// most the stream's small send buffer (Linux otherwise grows it to 4 MiB;
// 500 stalled clients held 800 MB), and the stream leaves the rest in the
// feed. When the client reads again it gets the latest state of every
// order.
func TestAbuseStalledEventStreamIsBounded(t *testing.T) {
	e := newEnv(t)
	const orders = 1500
	batch := make([]floor.Order, orders)
	for i := range batch {
		batch[i] = floor.Order{ID: fmt.Sprintf("S%04d", i), Channel: "shop", Lines: []floor.OrderLine{{SKU: e.skus[0], Quantity: 1}},
			Recipient: floor.Address{Name: "R", Lines: []string{"1 Road"}, City: "Town", PostalCode: "10115", Country: "DE"}}
	}
	if _, err := e.st.SubmitOrders(batch, false); err != nil {
		t.Fatal(err)
	}
	e.tick(t)
	site := &Server{Auth: e.st, Log: e.log, Floor: e.hub, Data: e.st, Clock: e.clock, Heartbeat: time.Hour,
		Streams: session.New(e.st, session.DefaultLimits)}
	srv := httptest.NewUnstartedServer(site.Handler())
	conns := make(chan *net.TCPConn, 4)
	srv.Listener = tcpListener{srv.Listener, conns}
	srv.Start()
	t.Cleanup(srv.Close)

	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.(*net.TCPConn).SetReadBuffer(4096)            // the client takes as little as it can
	c.SetDeadline(time.Now().Add(30 * time.Second)) // a guard, not a wait
	fmt.Fprintf(c, "GET /api/floor/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", e.tokens[floor.RoleSupervisor])
	server := <-conns

	// Every minute moves each queued order's predicted handoff: 30,000
	// new states of some 250 bytes each.
	for range 20 {
		e.clock.advance(time.Minute)
		e.tick(t)
	}
	// The send buffer, doubled by Linux for its bookkeeping; the write
	// that fills it may overshoot by some segments.
	if size, queued := sendQueue(t, server); queued > 2*streamSendBuffer+64<<10 {
		t.Errorf("a client that reads nothing has %d bytes waiting in a send buffer of %d, want at most %d",
			queued, size, 2*streamSendBuffer+64<<10)
	}

	// A fresh stream's picture is the latest state of every order; the
	// stalled client, reading again, reaches it.
	want := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a wait
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/floor/events", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[floor.RoleSupervisor])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	orderData(t, bufio.NewScanner(resp.Body), want, func() bool { return len(want) == orders })
	got := map[string]string{}
	c.(*net.TCPConn).SetReadBuffer(1 << 20) // reading as a page does
	orderData(t, bufio.NewScanner(c), got, func() bool {
		for id, v := range want {
			if got[id] != v {
				return false
			}
		}
		return true
	})

	if size, _ := sendQueue(t, server); size > 2*streamSendBuffer {
		t.Errorf("the stream's send buffer is %d bytes, want at most %d", size, 2*streamSendBuffer)
	}
}
