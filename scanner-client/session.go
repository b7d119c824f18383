package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// now is the device clock; tests may replace it before calling Run.
var now = time.Now

// config is what a scanning session is started with.
type config struct {
	mode      Mode
	addr      string
	token     string
	ca        string
	plaintext bool
	device    string
	stateDir  string
	drain     time.Duration
	delivery  string // receive: the purchase order or notice received against
}

// scanCmd is the command of a scanning mode.
func scanCmd(mode Mode) func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		cfg := config{mode: mode}
		fs := flag.NewFlagSet("scanner-client "+string(mode), flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.StringVar(&cfg.addr, "addr", "127.0.0.1:7070", "server address HOST:PORT, or a cluster's addresses A,B,C (any node serves; when one is unavailable the next is tried)")
		fs.StringVar(&cfg.token, "token", "", "bearer token (default: $PICKPACK_TOKEN)")
		fs.StringVar(&cfg.ca, "ca", "", "PEM file of the CA (or certificate) to trust for the server's TLS certificate")
		fs.BoolVar(&cfg.plaintext, "plaintext", false, "no TLS to a non-loopback address (the token travels in clear)")
		fs.StringVar(&cfg.device, "device", "", "device id in scan ids and file names (default: made once and kept in the state dir)")
		fs.StringVar(&cfg.stateDir, "state", "", "dir of the device id, scan counter and offline queue (default: $XDG_STATE_HOME/pickpack or ~/.local/state/pickpack)")
		fs.DurationVar(&cfg.drain, "drain", 3*time.Second, "on quit, how long to wait for answers to scans still pending")
		if mode == ModeReceive {
			fs.StringVar(&cfg.delivery, "delivery", "", "the purchase order or advance notice to receive against (required)")
		}
		fs.Usage = func() {
			fmt.Fprintf(stderr, "usage: scanner-client %s [flags] < scans\n\n%s\nflags:\n", mode, renderHelp(mode))
			fs.PrintDefaults()
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments %q", fs.Args())
		}
		if mode == ModeReceive && strings.TrimSpace(cfg.delivery) == "" {
			return errors.New("no delivery: give --delivery PO-NUMBER")
		}
		if cfg.token == "" {
			cfg.token = os.Getenv("PICKPACK_TOKEN")
		}
		if cfg.token == "" {
			return errors.New("no token: give --token or set PICKPACK_TOKEN")
		}
		if cfg.stateDir == "" {
			d, err := defaultStateDir()
			if err != nil {
				return err
			}
			cfg.stateDir = d
		}
		return runSession(ctx, cfg, stdin, stdout, stderr)
	}
}

// Events the session posts to itself from its helpers.
type (
	inputEvent struct{ line string }
	eofEvent   struct{ err error }
	taskEvent  struct {
		resp *pb.NextTaskResponse
		err  error
	}
	dueEvent struct {
		order string
		due   time.Time
	}
	// callback is a helper's result, applied on the loop goroutine; an
	// error ends the session.
	callback func() error
)

// session is one person at one terminal. All its state is owned by the
// loop goroutine: helpers only post events, so nothing is shared but the
// queue (which locks itself).
type session struct {
	cfg    config
	out    io.Writer
	q      *Queue
	ids    *idMaker
	conn   *site
	events chan any
	notify chan struct{}
	ctx    context.Context
	wg     sync.WaitGroup

	// linkKnown: the first connection attempt has ended; until then a
	// scan is not "offline", only not sent yet.
	online, linkKnown, downShown bool
	inputStarted                 bool
	stdin                        io.Reader
	quitting                     bool
	drainC                       <-chan time.Time

	// pick mode
	task     *pb.Task
	needTask bool
	asking   bool
	// the last instruction, for Enter
	next *pb.Instruction
	// pack mode: due times of orders, fetched once each
	due      map[string]time.Time
	fetching map[string]bool
	// the inventory modes' steps; nil in the scan modes
	flow flow
	// what the inventory mode works on; looked: its first answer came
	look   look
	looked bool
}

// runSession opens the device's state and queue and runs the terminal
// until quit, end of input or ctx.
func runSession(ctx context.Context, cfg config, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(cfg.stateDir, 0o700); err != nil {
		return err
	}
	device, err := deviceID(cfg.stateDir, cfg.device)
	if err != nil {
		return err
	}
	qpath := queuePath(cfg.stateDir, device, cfg.mode)
	ids, err := openIDMaker(cfg.stateDir, device, cfg.mode, 0)
	if err != nil {
		return err
	}
	defer ids.close()
	q, damage, err := OpenQueue(qpath)
	if err != nil {
		return err
	}
	defer q.Close()
	for _, d := range damage {
		fmt.Fprintf(stdout, "%sWARNING: the offline queue had an unreadable line, skipped (kept in %s.damaged): %v\n", bell, qpath, d)
	}
	if p := q.Pending(); len(p) > 0 {
		// The counter file may be older than the queue (restored backup):
		// never reuse a sequence number still queued.
		ids.n = max(ids.n, p[len(p)-1].Seq)
	}
	conn, err := dialSite(cfg.addr, func(addr string) (*grpc.ClientConn, error) {
		return dial(addr, cfg.token, cfg.ca, cfg.plaintext)
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.preferLeader(ctx)

	ctx, cancel := context.WithCancel(ctx)
	s := &session{cfg: cfg, out: stdout, q: q, ids: ids, conn: conn, ctx: ctx, stdin: stdin,
		events: make(chan any), notify: make(chan struct{}, 1), needTask: cfg.mode == ModePick,
		due: map[string]time.Time{}, fetching: map[string]bool{}}
	defer func() {
		cancel()
		s.wg.Wait()
	}()
	fmt.Fprintf(stdout, "scanner-client %s on device %s, server %s (? for help)\n", cfg.mode, device, cfg.addr)
	if n := q.Len(); n > 0 {
		fmt.Fprintf(stdout, "%d scans from before are still unanswered: sending them first\n", n)
	}
	l := &link{
		open:     func(ctx context.Context) (scanStream, error) { return openStream(ctx, conn, cfg.mode) },
		q:        q,
		notify:   s.notify,
		events:   s.events,
		minDelay: 100 * time.Millisecond,
		maxDelay: 2 * time.Second,
	}
	if m, ok := invModes[cfg.mode]; ok {
		s.flow, s.look = m.flow(s), m.look(cfg)
		l.open = s.openInventory
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		l.run(ctx)
	}()
	// An inventory mode reads input once its start-up check has answered
	// (lookAnswered) or the link is down (onLink): nothing is scanned
	// against a delivery the server does not know.
	if q.Len() == 0 && s.flow == nil {
		s.startInput()
	}
	return s.loop()
}

// post hands an event to the loop unless the session is over.
func (s *session) post(ev any) {
	select {
	case s.events <- ev:
	case <-s.ctx.Done():
	}
}

// go runs f as a helper of the session; Run waits for it.
func (s *session) spawn(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// startInput starts reading standard input. It waits until scans queued
// before a restart have been answered (or the link is down), so they
// reach the server, and are shown, before anything new.
func (s *session) startInput() {
	if s.inputStarted {
		return
	}
	s.inputStarted = true
	// Not a helper in wg: a read from a terminal cannot be interrupted,
	// and the reader only ever posts events.
	go func() {
		sc := bufio.NewScanner(s.stdin)
		for sc.Scan() {
			select {
			case s.events <- inputEvent{sc.Text()}:
			case <-s.ctx.Done():
				return
			}
		}
		select {
		case s.events <- eofEvent{sc.Err()}:
		case <-s.ctx.Done():
		}
	}()
}

func (s *session) printf(format string, args ...any) { fmt.Fprintf(s.out, format, args...) }

// loop handles events until the session ends.
func (s *session) loop() error {
	for {
		var ev any
		select {
		case ev = <-s.events:
		case <-s.drainC:
			s.printf("%d scans still unanswered: kept on this device, sent next time\n", s.q.Len())
			return nil
		case <-s.ctx.Done():
			return nil // interrupted: the queue is on disk
		}
		var done bool
		var err error
		switch ev := ev.(type) {
		case inputEvent:
			done, err = s.onInput(ev.line)
		case eofEvent:
			if ev.err != nil {
				s.printf("input: %v\n", ev.err)
			}
			done = s.quit()
		case answerEvent:
			done, err = s.onAnswer(ev.r)
		case linkEvent:
			err = s.onLink(ev)
		case taskEvent:
			s.onTask(ev)
		case dueEvent:
			s.due[ev.order] = ev.due
		case callback:
			err = ev()
		}
		if err != nil || done {
			return err
		}
	}
}

func (s *session) onInput(line string) (bool, error) {
	if s.quitting {
		return false, nil
	}
	in, err := parseInput(s.cfg.mode, line)
	if err != nil {
		s.notSent(err.Error())
		return false, nil
	}
	switch in.kind {
	case inputHelp:
		s.printf("%s", renderHelp(s.cfg.mode))
	case inputQuit:
		return s.quit(), nil
	case inputRefresh:
		s.showStatus()
		if s.cfg.mode == ModePick && s.task == nil {
			s.needTask = true
			s.maybeAsk()
		}
	case inputKey:
		s.flow.key(in.key, in.n)
	case inputScan:
		if s.flow != nil { // the flow makes the requests
			if in.scan.GetAction() == pb.ScanAction_SCAN_ACTION_QUANTITY {
				s.flow.more(in.scan.GetQuantity())
			} else {
				s.flow.code(in.scan.GetCode())
			}
			return false, nil
		}
		seq, err := s.ids.next(in.scan, now())
		s.keep(entryOf(seq, in.scan), err, describeScan(in.scan))
	}
	return false, nil
}

// keep puts a scan or request made on the device into the queue, on disk,
// and wakes the link to send it; what says what it is, to the person.
// Offline, it says the scan is pending. It reports whether it was kept.
func (s *session) keep(e Entry, err error, what string) bool {
	if err == nil {
		err = s.q.Append(e)
	}
	if err != nil {
		// Not on disk means it could be lost: say so rather than send
		// a scan that might vanish without trace.
		s.printf("%s[NOT RECORDED] %s: %v: nothing was sent; do it again\n", bell, what, err)
		return false
	}
	select {
	case s.notify <- struct{}{}:
	default:
	}
	if !s.online && s.linkKnown {
		s.printf("%s", renderPending(what, s.q.Len()))
	}
	return true
}

// send queues an inventory request with a new scan id.
func (s *session) send(req proto.Message) bool {
	at := now()
	seq, id, err := s.ids.stamp(at)
	var e Entry
	if err == nil {
		e, err = inventoryEntry(req, seq, id, at)
	}
	if !s.keep(e, err, describeRequest(req)) {
		return false
	}
	if !s.online && s.linkKnown {
		// No answer is coming soon to say what is next.
		s.printf("%s", s.flow.prompt())
	}
	return true
}

// quit ends the session once pending scans are answered, waiting at most
// the drain time; offline, it ends at once (the queue is on disk).
func (s *session) quit() bool {
	s.quitting = true
	n := s.q.Len()
	if n == 0 {
		return true
	}
	if !s.online || s.cfg.drain <= 0 {
		s.printf("%d scans still unanswered: kept on this device, sent next time\n", n)
		return true
	}
	s.printf("waiting for %d answers...\n", n)
	s.drainC = time.After(s.cfg.drain)
	return false
}

func (s *session) onAnswer(r reply) (bool, error) {
	e, ok, err := s.q.Remove(r.id)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, nil // an answer already handled, from a stream that broke
	}
	if s.flow != nil {
		s.onInventoryAnswer(e, r)
	} else {
		s.onScanAnswer(e, r.msg.(*pb.ScanAnswer))
	}
	if s.q.Len() == 0 {
		s.startInput()
		if s.quitting {
			return true, nil
		}
	}
	s.maybeAsk()
	return false, nil
}

// onScanAnswer shows the answer to a scan of the scan modes and follows
// the task or order it names.
func (s *session) onScanAnswer(e Entry, a *pb.ScanAnswer) {
	mode := s.cfg.mode
	next := a.GetNext()
	s.next = next
	due := s.due[next.GetOrderId()]
	s.printf("%s", renderAnswer(mode, describeScan(e.Scan()), a, due, now()))
	s.morePending()
	switch {
	case mode == ModePick && (a.GetVerdict() == pb.Verdict_VERDICT_NOTHING_OPEN || next.GetExpect() == pb.Expect_EXPECT_NOTHING):
		// The totes are dropped off (or the task was taken back): the
		// next task may come. A picked task waits for its drop-off.
		s.task, s.needTask = nil, true
	case mode == ModePack && next.GetOrderId() != "":
		s.fetchDue(next.GetOrderId())
	}
}

// onInventoryAnswer shows the answer to an inventory request. A request
// the server refused is kept beside the queue for the audit trail, as a
// refused scan is; so is one that could not be read back to be sent,
// which is named by its call.
func (s *session) onInventoryAnswer(e Entry, r reply) {
	if r.err != nil {
		what := e.Call
		if r.req != nil {
			what = describeRequest(r.req)
		}
		s.q.SetAside(e, r.err)
		s.printf("%s", renderRefused(what, r.err))
	} else {
		s.printf("%s", renderInventory(r.req, r.msg))
	}
	s.morePending()
	s.flow.answered(r.req, r.msg, r.err)
	if s.q.Len() == 0 {
		s.printf("%s", s.flow.prompt())
	}
}

// morePending says how many answers are still to come.
func (s *session) morePending() {
	if n := s.q.Len(); n > 0 {
		s.printf("  (%d more pending)\n", n)
	}
}

func (s *session) onLink(ev linkEvent) error {
	s.linkKnown = true
	if ev.up {
		if s.downShown {
			if n := s.q.Len(); n > 0 {
				s.printf("ONLINE again: sending %d pending scans\n", n)
			} else {
				s.printf("ONLINE again\n")
			}
		}
		s.online, s.downShown = true, false
		s.maybeAsk()
		return nil
	}
	if ev.rejected != nil {
		s.printf("%s[REFUSED] %s: the server refused this scan as malformed (%s); removed from the queue, kept in %s\n",
			bell, describeScan(ev.rejected.Scan()), status.Convert(ev.err).Message(), s.q.RejectedPath())
	}
	if ev.fatal {
		return fmt.Errorf("server refused this client: %s (%s)", status.Convert(ev.err).Message(), status.Code(ev.err))
	}
	if s.online || !s.downShown {
		s.printf("%sOFFLINE: %s; scans are kept on this device (%d pending) and sent when the link returns\n",
			bell, linkReason(ev.err), s.q.Len())
		if s.flow != nil && !s.looked {
			// Started offline: the person works on meanwhile, and the
			// start-up check is made when the link returns.
			if s.look.what != "" {
				s.printf("  (%s not checked yet: it is, and shown, when the link returns)\n", s.look.what)
			}
			s.printf("%s", s.flow.prompt())
		}
	}
	s.online, s.downShown = false, true
	if s.quitting {
		s.drainC = closedTimer()
	}
	// Offline, a person keeps working: their scans queue up behind the
	// ones from before.
	s.startInput()
	return nil
}

// closedTimer fires at once.
func closedTimer() <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Time{}
	return c
}

// linkReason says in a few words why the link is down.
func linkReason(err error) string {
	if err == nil {
		return "the server closed the stream"
	}
	st := status.Convert(err)
	msg := st.Message()
	if i := strings.Index(msg, "desc = "); i >= 0 {
		msg = msg[i+len("desc = "):]
	}
	if st.Code() == codes.Unavailable {
		return "cannot reach the server (" + msg + ")"
	}
	return fmt.Sprintf("%s (%s)", msg, st.Code())
}

// maybeAsk asks for the next pick task when the picker has none and
// nothing queued is still to be answered: a queued scan may finish the
// current task, and a new task must not swallow scans meant for the old.
func (s *session) maybeAsk() {
	if s.cfg.mode != ModePick || !s.needTask || s.asking || !s.online || s.quitting || s.q.Len() > 0 {
		return
	}
	s.asking = true
	s.spawn(func() {
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		defer cancel()
		resp, err := pb.NewPickServiceClient(s.conn).NextTask(ctx, &pb.NextTaskRequest{})
		s.post(taskEvent{resp, err})
	})
}

func (s *session) onTask(ev taskEvent) {
	s.asking = false
	if ev.err != nil {
		if fatal(ev.err) {
			s.printf("%scannot get work: %s\n", bell, status.Convert(ev.err).Message())
		} else if s.online {
			s.printf("cannot get the next task yet: %s; press Enter to try again\n", linkReason(ev.err))
		}
		return
	}
	t := ev.resp.GetTask()
	if t == nil {
		s.printf("no work right now: press Enter to ask again\n")
		return
	}
	s.task, s.needTask = t, false
	s.next = ev.resp.GetNext()
	if s.next == nil {
		s.next = taskInstruction(t)
	}
	s.printf("%s", renderTask(t, now()))
	s.printf("%s", renderInstruction(ModePick, s.next, time.Time{}, now()))
}

// fetchDue learns a packed order's due time once, for its clock: the pack
// stream's instructions do not carry it.
func (s *session) fetchDue(order string) {
	if _, ok := s.due[order]; ok || s.fetching[order] {
		return
	}
	s.fetching[order] = true
	s.spawn(func() {
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		defer cancel()
		resp, err := pb.NewOrderServiceClient(s.conn).GetOrder(ctx, &pb.GetOrderRequest{Id: order})
		if err != nil || resp.GetOrder().GetDueAt() == nil {
			return // no clock then; the scans are what matters
		}
		s.post(dueEvent{order, resp.GetOrder().GetDueAt().AsTime()})
	})
}

// showStatus repeats what to do next, with the clock as of now.
func (s *session) showStatus() {
	state := "online"
	if !s.online {
		state = "OFFLINE"
	}
	s.printf("[%s, %d pending]\n", state, s.q.Len())
	if s.flow != nil {
		s.showLook()
		s.printf("%s", s.flow.prompt())
		return
	}
	if s.next != nil {
		s.printf("%s", renderInstruction(s.cfg.mode, s.next, s.due[s.next.GetOrderId()], now()))
	}
}
