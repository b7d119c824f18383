package main

import (
	"errors"
	"io"
	"net"
	"testing"
)

// A port outlives its turns: a connection made while no server has a
// turn waits for the next one, a turn's Close ends only that turn, and
// closing the port ends every turn.
func TestPortTurns(t *testing.T) {
	p, err := listenPort("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	first := p.turn()
	echo := func(l net.Listener) <-chan error {
		done := make(chan error, 1)
		go func() {
			c, err := l.Accept()
			if err != nil {
				done <- err
				return
			}
			defer c.Close()
			_, err = io.CopyN(c, c, 4)
			done <- err
		}()
		return done
	}
	dial := func(msg string) {
		t.Helper()
		c, err := net.Dial("tcp", p.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
			t.Fatalf("echo of %q: got %q, %v", msg, got, err)
		}
	}
	served := echo(first)
	dial("one!")
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	first.Close()
	if _, err := first.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after the turn's Close: got %v, want net.ErrClosed", err)
	}

	// Between turns: the client connects and writes; the next turn
	// answers it.
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "two!"); err != nil {
		t.Fatal(err)
	}
	second := p.turn()
	served = echo(second)
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "two!" {
		t.Fatalf("a connection made between turns: got %q, %v", got, err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}

	p.Close()
	if _, err := second.Accept(); err == nil {
		t.Fatal("Accept after the port's Close: got a connection, want an error")
	}
}
