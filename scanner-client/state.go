package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// validDevice keeps device ids usable in file names and scan ids.
var validDevice = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// defaultStateDir is where a device keeps its id, counters and queues:
// $XDG_STATE_HOME/pickpack, else ~/.local/state/pickpack.
func defaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "pickpack"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state dir: give --state DIR (%v)", err)
	}
	return filepath.Join(home, ".local", "state", "pickpack"), nil
}

// deviceID returns the device id given, or the one stored in dir, made
// once at random: scan ids must stay unique across restarts of the same
// device, and differ between devices of the same user.
func deviceID(dir, given string) (string, error) {
	if given != "" {
		if !validDevice.MatchString(given) {
			return "", fmt.Errorf("--device %q: use letters, digits, '.', '_' and '-' (at most 64)", given)
		}
		return given, nil
	}
	path := filepath.Join(dir, "device-id")
	data, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(data))
		if !validDevice.MatchString(id) {
			return "", fmt.Errorf("%s holds %q, not a device id: fix or remove it", path, id)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 6)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := "dev-" + hex.EncodeToString(raw)
	if err := writeSynced(path, []byte(id+"\n")); err != nil {
		return "", err
	}
	return id, syncDir(dir)
}

// counterWidth is the fixed width of the counter file: each update
// overwrites the same bytes, one small write within a single disk sector.
const counterWidth = 20

// idMaker makes scan ids: device, mode, a counter that survives restarts,
// and the device time, so an id is never reused even if the state dir is
// lost and the counter starts again.
type idMaker struct {
	device string
	mode   Mode
	f      *os.File
	n      uint64
	unlock func()
}

// openIDMaker opens the counter of a device's mode and locks it, so two
// clients of the same device and mode cannot share one queue.
func openIDMaker(dir, device string, mode Mode, atLeast uint64) (*idMaker, error) {
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.counter", mode, device))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another scanner-client (%v)", path, err)
	}
	buf := make([]byte, counterWidth+1)
	k, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		unlock()
		f.Close()
		return nil, err
	}
	var n uint64
	if s := strings.TrimSpace(string(buf[:k])); s != "" {
		if n, err = strconv.ParseUint(s, 10, 64); err != nil {
			// A damaged counter is survivable: the device time in the id
			// keeps new ids unique.
			n = 0
		}
	}
	return &idMaker{device: device, mode: mode, f: f, n: max(n, atLeast), unlock: unlock}, nil
}

// next stamps a scan with a new id and the device time. The counter is on
// disk before the id is used.
func (m *idMaker) next(s *pb.Scan, now time.Time) (uint64, error) {
	seq, id, err := m.stamp(now)
	if err != nil {
		return 0, err
	}
	s.ScanId, s.DeviceTime = id, timestamppb.New(now)
	return seq, nil
}

// stamp makes a new sequence number and scan id, for whatever message
// carries them.
func (m *idMaker) stamp(now time.Time) (uint64, string, error) {
	m.n++
	if _, err := m.f.WriteAt([]byte(fmt.Sprintf("%0*d\n", counterWidth, m.n)), 0); err != nil {
		return 0, "", err
	}
	if err := m.f.Sync(); err != nil {
		return 0, "", err
	}
	return m.n, fmt.Sprintf("%s-%s-%d-%d", m.device, m.mode, m.n, now.UnixMilli()), nil
}

func (m *idMaker) close() error {
	m.unlock()
	return m.f.Close()
}

// queuePath is the queue file of a device's mode.
func queuePath(dir, device string, mode Mode) string {
	return filepath.Join(dir, fmt.Sprintf("%s-%s.queue.jsonl", mode, device))
}
