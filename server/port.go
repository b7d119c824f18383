package main

import (
	"net"
	"sync"
)

// port is a listening socket that outlives the servers on it: a cluster
// node's leader stack and its forwarder to another leader take turns on
// the same address, and a connection arriving between two turns waits for
// the next instead of being refused.
type port struct {
	l     net.Listener
	conns chan net.Conn
	done  chan struct{} // the socket failed or was closed; err says why
	err   error
}

// listenPort listens on addr and accepts until Close.
func listenPort(addr string) (*port, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	p := &port{l: l, conns: make(chan net.Conn), done: make(chan struct{})}
	go p.accept()
	return p, nil
}

func (p *port) accept() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			p.err = err
			close(p.done)
			return
		}
		select {
		case p.conns <- c:
		case <-p.done:
			c.Close()
			return
		}
	}
}

// Addr is the socket's address.
func (p *port) Addr() net.Addr { return p.l.Addr() }

// Close closes the socket; every turn's Accept then fails.
func (p *port) Close() error { return p.l.Close() }

// turn returns a listener for one server's turn: its Close ends the turn,
// not the socket.
func (p *port) turn() net.Listener { return &turn{p: p, closed: make(chan struct{})} }

// turn is one server's view of a port.
type turn struct {
	p      *port
	once   sync.Once
	closed chan struct{}
}

// Accept returns the port's next connection while the turn lasts.
func (t *turn) Accept() (net.Conn, error) {
	select {
	case <-t.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-t.p.conns:
		select {
		case <-t.closed:
			// Both were ready: the turn ended as the connection came,
			// and its server is stopping. The client connects again.
			c.Close()
			return nil, net.ErrClosed
		default:
			return c, nil
		}
	case <-t.closed:
		return nil, net.ErrClosed
	case <-t.p.done:
		return nil, t.p.err
	}
}

// Close ends the turn; the socket stays open for the next one.
func (t *turn) Close() error {
	t.once.Do(func() { close(t.closed) })
	return nil
}

// Addr is the port's address.
func (t *turn) Addr() net.Addr { return t.p.Addr() }
