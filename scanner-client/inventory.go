package main

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// The inventory modes: every movement of stock is a scan. A receiver
// counts deliveries in at the dock and puts them away; a stocker moves
// stock between bins; a counter counts bins blind. Which code is a bin and
// which an item is told by the step the person is at, never by the code's
// shape; the server checks every code and says when one is wrong.

// invMode is what an inventory mode is made of.
type invMode struct {
	codes []keyDef // what is scanned, for the help only
	keys  []keyDef
	look  func(cfg config) look // what the mode works on
	flow  func(s *session) flow
}

// look is a read of what an inventory mode works on (the delivery, the
// open tasks), in words. It is harmless and the mode's role may make it,
// so it is also the link's probe on every connect: the link is up once it
// is answered, whatever the answer, so a token without the role ends the
// client at once, as on the scan streams. The first answer is the one
// shown at the start, and checks what the mode was started with (see
// session.lookAnswered); Enter and !l read it again.
type look struct {
	what string // names it in messages; "" for a mode that shows nothing (put-away)
	read func(ctx context.Context, c pb.InventoryServiceClient) (string, error)
}

// flow is an inventory mode's steps. Its methods run on the session's
// loop goroutine; they print what a step did and queue requests with
// session.send.
type flow interface {
	code(code string) // a scanned (or typed) code
	more(n int64)     // *N
	key(k string, n int64)
	// answered follows up the answer to a request of the flow, after it
	// is shown. req is nil when the queued request could not be read back.
	answered(req, resp proto.Message, err error)
	// prompt says what to scan next.
	prompt() string
}

// invModes are the inventory modes; set in init, as their flows refer to
// the session, which refers to them.
var invModes map[Mode]invMode

// Keys more than one mode has.
var (
	keyMore = keyDef{key: "*", arg: "N", help: "N more units of the item just scanned (e.g. *5)"}
	keyDrop = keyDef{key: "!x", help: "drop the step half done (nothing is sent) and start again"}
)

func init() {
	readMoves := func(ctx context.Context, c pb.InventoryServiceClient) (string, error) {
		r, err := c.ListMoveTasks(ctx, &pb.ListMoveTasksRequest{})
		if err != nil {
			return "", err
		}
		return renderMoveTasks(r.GetTasks()), nil
	}
	invModes = map[Mode]invMode{
		ModeReceive: {
			codes: []keyDef{{key: "ITEM", help: "one unit of the item received against the delivery"}, keyMore},
			keys: []keyDef{
				{key: "!d", arg: "N", min: 1, help: "the next item scanned came damaged: N units of it (default 1) recorded and set aside, not stocked"},
				{key: "!c", help: "close the delivery (asks again) and print what differs from what was expected"},
				keyDrop,
			},
			look: func(cfg config) look {
				return look{what: "delivery " + cfg.delivery, read: func(ctx context.Context, c pb.InventoryServiceClient) (string, error) {
					r, err := c.GetDelivery(ctx, &pb.GetDeliveryRequest{Id: cfg.delivery})
					if err != nil {
						return "", err
					}
					return renderDelivery(r.GetDelivery()), nil
				}}
			},
			flow: func(s *session) flow { return &receiveFlow{s: s, delivery: s.cfg.delivery} },
		},
		ModePutaway: {
			codes: []keyDef{
				{key: "ITEM", help: "an item from the dock: shows where it should go"},
				{key: "ITEM again", help: "one more unit of it"}, keyMore,
				{key: "BIN", help: "then the bin label: the units go into that bin"},
			},
			keys: []keyDef{keyDrop},
			// Nothing to show: the moves are read only as the link's
			// probe, a read a receiver may make.
			look: func(config) look { return look{read: readMoves} },
			flow: func(s *session) flow { return &putawayFlow{s: s} },
		},
		ModeTransfer: {
			codes: []keyDef{
				{key: "BIN", help: "the bin the units come from"},
				{key: "ITEM", help: "then the item (again: one more unit)"}, keyMore,
				{key: "BIN", help: "then the bin they go to"},
			},
			keys: []keyDef{{key: "!l", help: "list the replenishment moves pick bins need now"}, keyDrop},
			look: func(config) look { return look{what: "replenishment moves", read: readMoves} },
			flow: func(s *session) flow { return &transferFlow{s: s} },
		},
		ModeCount: {
			codes: []keyDef{
				{key: "BIN", help: "the bin to count (a blind count: its stock is not shown)"},
				{key: "ITEM", help: "then every unit in it, one scan a unit"}, keyMore,
			},
			keys: []keyDef{
				{key: "=", arg: "N", need: true, help: "the item just scanned: N units in all (=0 undoes a wrong scan)"},
				{key: "!c", help: "the bin is counted: send the count and show the verdict"},
				{key: "!l", help: "list the bins waiting for a count"},
				keyDrop,
			},
			look: func(config) look {
				return look{what: "count tasks", read: func(ctx context.Context, c pb.InventoryServiceClient) (string, error) {
					r, err := c.ListCountTasks(ctx, &pb.ListCountTasksRequest{})
					if err != nil {
						return "", err
					}
					return renderCountTasks(r.GetTasks()), nil
				}}
			},
			flow: func(s *session) flow { return &countFlow{s: s} },
		},
	}
	for m := range invModes {
		commands[string(m)] = scanCmd(m)
	}
}

// ask runs a read as a helper of the session and shows its answer on the
// loop goroutine. Reads are not queued: a failed one loses nothing, and
// the person can ask again.
func ask[R any](s *session, what string, call func(context.Context, pb.InventoryServiceClient) (R, error), show func(R)) {
	s.spawn(func() {
		ctx, cancel := context.WithTimeout(s.ctx, callTimeout)
		defer cancel()
		r, err := call(ctx, pb.NewInventoryServiceClient(s.conn))
		s.post(callback(func() error {
			s.shown(what, err, func() { show(r) })
			return nil
		}))
	})
}

// shown shows the answer to a read: show, or why there is nothing to show.
func (s *session) shown(what string, err error, show func()) {
	switch {
	case retry(err):
		s.printf("  (%s not shown: %s)\n", what, linkReason(err))
	case err != nil:
		s.printf("%s", renderRefused(what, err))
	default:
		show()
	}
}

// openInventory opens the link of an inventory mode with the mode's look
// as its probe, and hands each answer that is not the link's or the
// token's failure to the loop (lookAnswered): so the read that tells the
// link is up is also what is shown at the start, not a second read.
func (s *session) openInventory(ctx context.Context) (scanStream, error) {
	return openUnary(ctx, s.conn, func(ctx context.Context, c pb.InventoryServiceClient) error {
		text, err := s.look.read(ctx, c)
		if !retry(err) && !fatal(err) {
			s.post(callback(func() error { return s.lookAnswered(text, err) }))
		}
		return err
	})
}

// lookAnswered takes the answer to a look made by the link. The first is
// the start-up check: it shows what the mode works on, says what to scan
// and lets the person scan. A server that does not know what the mode was
// started with (an unknown --delivery) ends the client: every request
// against it would be refused. Later answers only told the link it is up.
func (s *session) lookAnswered(text string, err error) error {
	if s.looked {
		return nil
	}
	s.looked = true
	if status.Code(err) == codes.NotFound {
		msg := fmt.Sprintf("%s does not exist on the server (%s)", s.look.what, status.Convert(err).Message())
		if n := s.q.Len(); n > 0 {
			msg += fmt.Sprintf("; %s kept on this device", plural(int64(n), "unanswered request"))
		}
		return errors.New(msg)
	}
	if s.look.what != "" {
		s.shown(s.look.what, err, func() { s.printf("%s", text) })
	}
	s.printf("%s", s.flow.prompt())
	if s.q.Len() == 0 {
		s.startInput()
	}
	return nil
}

// showLook reads what the mode works on again and shows it (Enter, !l).
func (s *session) showLook() {
	if s.look.what != "" {
		ask(s, s.look.what, s.look.read, func(text string) { s.printf("%s", text) })
	}
}

// notSent tells the person a key or scan could not be taken, and why.
func (s *session) notSent(why string) {
	s.printf("%s[NOT SENT] %s\n", bell, why)
}

// noFlowAnswer is for flows with nothing to follow up after an answer.
type noFlowAnswer struct{}

func (noFlowAnswer) answered(proto.Message, proto.Message, error) {}

// carry is the item being taken to a bin (put-away, transfer). The first
// code is the item, the same code again one more unit, and any other code
// the bin the units go to: the step says what a code is. A bin label
// never equals an item's barcode, and if a person scans a second item
// instead of the bin, the server answers that it is no bin.
type carry struct {
	item string
	n    int64
}

// scan takes a code and reports whether it is the bin the units go to.
func (c *carry) scan(code string) (bool, error) {
	switch {
	case c.item == "":
		c.item, c.n = code, 1
	case code == c.item:
		return false, c.more(1)
	default:
		return true, nil
	}
	return false, nil
}

// more adds n units of the item.
func (c *carry) more(n int64) error {
	switch {
	case c.item == "":
		return errors.New("scan the item first: *N adds units of the item just scanned")
	case c.n+n > maxScanUnits:
		return fmt.Errorf("at most %d units in one move: scan the bin, then move the rest", maxScanUnits)
	}
	c.n += n
	return nil
}

// receiveFlow counts a delivery in at the dock: each scan of an item is one
// good unit received against the delivery.
type receiveFlow struct {
	s        *session
	delivery string
	last     string // the item just scanned, for *N
	damaged  int64  // units the next item scan records as damaged (!dN)
	closing  bool   // !c was typed once: closing is final, so it asks again
	closed   bool   // the server closed the delivery
}

// answered notes that the delivery is closed, to say so instead of asking
// for items.
func (f *receiveFlow) answered(_, resp proto.Message, _ error) {
	if _, ok := resp.(*pb.CloseDeliveryResponse); ok {
		f.closed = true
	}
}

func (f *receiveFlow) code(c string) {
	f.closing = false
	req := &pb.ReceiveRequest{DeliveryId: f.delivery, Code: c, Quantity: 1}
	damaged := f.damaged
	if damaged > 0 {
		req.Quantity, req.Damaged, f.damaged = 0, damaged, 0
	}
	f.last = c
	if !f.s.send(req) {
		f.damaged = damaged // not recorded: the next scan of it tries again
	}
}

func (f *receiveFlow) more(n int64) {
	f.closing = false
	if f.last == "" {
		f.s.notSent("scan an item first: *N receives N more of the item just scanned")
		return
	}
	f.s.send(&pb.ReceiveRequest{DeliveryId: f.delivery, Code: f.last, Quantity: n})
}

func (f *receiveFlow) key(k string, n int64) {
	closing := f.closing
	f.closing = false
	switch k {
	case "!d":
		f.damaged = n
	case "!c":
		if closing {
			f.s.send(&pb.CloseDeliveryRequest{Id: f.delivery})
			return
		}
		f.closing = true
		f.s.printf("close delivery %s? Nothing more can be received on it after: !c again to close it, anything else to go on\n", f.delivery)
		return
	case "!x":
		f.last, f.damaged = "", 0
	}
	f.s.printf("%s", f.prompt())
}

func (f *receiveFlow) prompt() string {
	switch {
	case f.closed:
		return fmt.Sprintf("  delivery %s is closed: q to quit\n", f.delivery)
	case f.damaged > 0:
		return fmt.Sprintf("  next: scan the item that came damaged: %s of it set aside, not stocked\n", plural(f.damaged, "unit"))
	}
	return fmt.Sprintf("  next: scan each item of %s (one scan a unit, or one then *N; !d damaged, !c close)\n", f.delivery)
}

// putawayFlow takes units from the dock to a bin: item, maybe more units,
// then the bin.
type putawayFlow struct {
	noFlowAnswer
	s *session
	c carry
}

func (f *putawayFlow) code(code string) {
	bin, err := f.c.scan(code)
	switch {
	case err != nil:
		f.s.notSent(err.Error())
		return
	case bin:
		req := &pb.PutAwayRequest{Code: f.c.item, Quantity: f.c.n, Bin: code}
		carried := f.c
		f.c = carry{} // before send, which may say what is next
		if !f.s.send(req) {
			f.c = carried // not recorded: scanning the bin again tries again
		}
		return
	case f.c.n == 1:
		// The item was just scanned: say where it should go.
		item := f.c.item
		ask(f.s, "a bin for "+item, func(ctx context.Context, c pb.InventoryServiceClient) (*pb.SuggestBinResponse, error) {
			return c.SuggestBin(ctx, &pb.SuggestBinRequest{Code: item})
		}, func(r *pb.SuggestBinResponse) {
			if f.c.item == item {
				f.s.printf("%s", renderSuggestion(r))
			}
		})
	}
	f.s.printf("%s", f.prompt())
}

func (f *putawayFlow) more(n int64) { moreOf(f.s, &f.c, n, f.prompt) }

func (f *putawayFlow) key(string, int64) { // !x
	f.c = carry{}
	f.s.printf("%s", f.prompt())
}

func (f *putawayFlow) prompt() string {
	if f.c.item == "" {
		return "  next: scan an item waiting at the dock\n"
	}
	return fmt.Sprintf("  next: scan the bin label to put %s in (the same item again: one more unit; *N: N more)\n", units(f.c.item, f.c.n))
}

// moreOf adds *N units to what is carried and says what to do next.
func moreOf(s *session, c *carry, n int64, prompt func() string) {
	if err := c.more(n); err != nil {
		s.notSent(err.Error())
		return
	}
	s.printf("%s", prompt())
}

// transferFlow moves units between bins: from-bin, item, maybe more units,
// to-bin. A stocker works the replenishment moves (!l) the same way.
type transferFlow struct {
	noFlowAnswer
	s    *session
	from string
	c    carry
}

func (f *transferFlow) code(code string) {
	if f.from == "" {
		f.from = code
	} else if bin, err := f.c.scan(code); err != nil {
		f.s.notSent(err.Error())
		return
	} else if bin {
		req := &pb.TransferRequest{FromBin: f.from, Code: f.c.item, Quantity: f.c.n, ToBin: code}
		from, carried := f.from, f.c
		f.from, f.c = "", carry{} // before send, which may say what is next
		if !f.s.send(req) {
			f.from, f.c = from, carried // not recorded: scanning the bin again tries again
		}
		return
	}
	f.s.printf("%s", f.prompt())
}

func (f *transferFlow) more(n int64) { moreOf(f.s, &f.c, n, f.prompt) }

func (f *transferFlow) key(k string, _ int64) {
	if k == "!l" {
		f.s.showLook()
		return
	}
	f.from, f.c = "", carry{}
	f.s.printf("%s", f.prompt())
}

func (f *transferFlow) prompt() string {
	switch {
	case f.from == "":
		return "  next: scan the label of the bin to take units from (!l: replenishment moves)\n"
	case f.c.item == "":
		return fmt.Sprintf("  next: scan the item to move from %s\n", f.from)
	}
	return fmt.Sprintf("  next: scan the label of the bin to move %s to from %s (the same item again: one more unit; *N: N more)\n",
		units(f.c.item, f.c.n), f.from)
}

// countFlow counts a bin blind: bin, then every unit in it, then !c. The
// tally is the counter's own and stays on the device until sent; the
// system's figures are shown only once the count is settled.
type countFlow struct {
	s     *session
	bin   string
	items []*pb.CountedItem // in the order first scanned
	last  *pb.CountedItem   // for *N and =N
}

func (f *countFlow) code(code string) {
	if f.bin == "" {
		f.bin, f.items, f.last = code, nil, nil
		if !f.s.send(&pb.StartCountRequest{Bin: code}) {
			f.bin = "" // not recorded: scanning the bin again tries again
		}
		return
	}
	f.last = nil
	for _, it := range f.items {
		if it.Code == code {
			f.last = it
		}
	}
	if f.last == nil {
		f.last = &pb.CountedItem{Code: code}
		f.items = append(f.items, f.last)
	}
	f.set(f.last.Quantity + 1)
}

func (f *countFlow) more(n int64) {
	if f.last != nil {
		f.set(f.last.Quantity + n)
		return
	}
	f.s.notSent("scan an item in the bin first: *N counts N more of the item just scanned")
}

// set makes the count of the item just scanned n, and shows the tally.
func (f *countFlow) set(n int64) {
	if n > maxScanUnits {
		f.s.notSent(fmt.Sprintf("at most %d units of one item", maxScanUnits))
		return
	}
	f.last.Quantity = n
	var total int64
	for _, it := range f.items {
		total += it.Quantity
	}
	f.s.printf("  %s: %d counted · bin %s: %s of %s so far\n", f.last.Code, n, f.bin, plural(total, "unit"), plural(int64(len(f.items)), "item"))
}

func (f *countFlow) key(k string, n int64) {
	switch {
	case k == "!l":
		f.s.showLook()
		return
	case k == "=" && f.last == nil:
		f.s.notSent("scan an item in the bin first: =N sets the count of the item just scanned")
		return
	case k == "=":
		f.set(n)
		return
	case k == "!c" && f.bin == "":
		f.s.notSent("scan the label of a bin and count it first")
		return
	case k == "!c":
		req := &pb.SubmitCountRequest{Bin: f.bin}
		for _, it := range f.items {
			if it.Quantity > 0 {
				req.Items = append(req.Items, &pb.CountedItem{Code: it.Code, Quantity: it.Quantity})
			}
		}
		bin, items, last := f.bin, f.items, f.last
		f.bin, f.items, f.last = "", nil, nil
		if !f.s.send(req) { // the answer is followed by what to do next
			f.bin, f.items, f.last = bin, items, last // not recorded: the tally stays for !c again
		}
		return
	case f.bin != "": // !x
		f.s.printf("count of bin %s dropped: nothing sent\n", f.bin)
	}
	f.bin, f.items, f.last = "", nil, nil
	f.s.printf("%s", f.prompt())
}

// answered forgets a bin the server would not start counting (not a bin),
// so the next code is taken as a bin again.
func (f *countFlow) answered(req, _ proto.Message, err error) {
	if r, ok := req.(*pb.StartCountRequest); ok && err != nil && r.GetBin() == f.bin {
		f.bin, f.items, f.last = "", nil, nil
	}
}

func (f *countFlow) prompt() string {
	if f.bin == "" {
		return "  next: scan the label of the bin to count (!l: bins waiting for a count)\n"
	}
	return fmt.Sprintf("  next: scan every unit in bin %s (*N: N more of the item just scanned; =N: N in all), then !c\n", f.bin)
}
