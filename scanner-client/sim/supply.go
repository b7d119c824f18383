package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// ErrNoStock is returned when no SKU in the warehouse has stock to order.
var ErrNoStock = errors.New("no SKU has stock available")

// CreateUsers creates n users of role named prefix0 .. prefix(n-1) (or
// gives existing ones a new token) and returns their tokens, a few calls
// at a time: each is a write of its own.
func CreateUsers(ctx context.Context, conn grpc.ClientConnInterface, adminToken, prefix string, n int, role pb.Role) ([]string, error) {
	auth := pb.NewAuthServiceClient(conn)
	tokens := make([]string, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, err := auth.CreateToken(Bearer(ctx, adminToken), &pb.CreateTokenRequest{
				User: fmt.Sprintf("%s%d", prefix, i), Role: role})
			tokens[i], errs[i] = resp.GetToken(), err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("create %v users: %w", role, err)
	}
	return tokens, nil
}

// Supplier plays the selling platforms: it submits small orders for SKUs
// that have stock, tops stock up before it would run out, and keeps enough
// orders ahead of the pickers that none of them starves. Safe for
// concurrent use.
type Supplier struct {
	conn   grpc.ClientConnInterface
	token  string
	prefix string

	mu        sync.Mutex
	rng       *rand.Rand
	skus      []string
	avail     map[string]int64  // SKU -> units available that no order of ours claims yet
	topBin    map[string]string // SKU -> bin that gets top-ups
	submitted int
	done      int
}

// supplyMargin is what a SKU keeps above its orders' needs: other clients
// (the demo's own order trickle) take stock too.
const supplyMargin = 20

// NewSupplier reads the stock with an admin token; order ids will be
// prefix1, prefix2, ... The seed makes the orders repeatable.
func NewSupplier(ctx context.Context, conn grpc.ClientConnInterface, adminToken, prefix string, seed uint64) (*Supplier, error) {
	s := &Supplier{conn: conn, token: adminToken, prefix: prefix, rng: rand.New(rand.NewPCG(seed, 0x0dde125)),
		avail: map[string]int64{}, topBin: map[string]string{}}
	wh := pb.NewWarehouseServiceClient(conn)
	best := map[string]int64{}
	page := ""
	for {
		resp, err := wh.ListStock(Bearer(ctx, adminToken), &pb.ListStockRequest{PageSize: 1000, PageToken: page})
		if err != nil {
			return nil, fmt.Errorf("list stock: %w", err)
		}
		for _, l := range resp.GetLevels() {
			s.avail[l.GetSku()] += l.GetAvailable()
			if _, ok := s.topBin[l.GetSku()]; !ok || l.GetOnHand() > best[l.GetSku()] {
				s.topBin[l.GetSku()], best[l.GetSku()] = l.GetBin(), l.GetOnHand()
			}
		}
		if page = resp.GetNextPageToken(); page == "" {
			break
		}
	}
	for sku := range s.topBin {
		s.skus = append(s.skus, sku)
	}
	if len(s.skus) == 0 {
		return nil, ErrNoStock
	}
	sort.Strings(s.skus) // map order would make the seed useless
	return s, nil
}

// Reserve tops stock up so that every SKU can give units more units to
// orders, spread evenly: the load tool calls it before the measured run, so
// that stock writes do not mix into the scans' latencies.
func (s *Supplier) Reserve(ctx context.Context, units int64) error {
	per := units/int64(len(s.skus)) + 1
	var adds []*pb.AdjustStockRequest
	s.mu.Lock()
	for _, sku := range s.skus {
		if need := per + supplyMargin - s.avail[sku]; need > 0 {
			adds = append(adds, &pb.AdjustStockRequest{Bin: s.topBin[sku], Sku: sku, Delta: need, Reason: "load test supply"})
		}
	}
	s.mu.Unlock()
	return s.adjust(ctx, adds)
}

func (s *Supplier) adjust(ctx context.Context, adds []*pb.AdjustStockRequest) error {
	wh := pb.NewWarehouseServiceClient(s.conn)
	errs := make([]error, len(adds))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, a := range adds {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, errs[i] = wh.AdjustStock(Bearer(ctx, s.token), a); errs[i] == nil {
				s.mu.Lock()
				s.avail[a.GetSku()] += a.GetDelta()
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("top up stock: %w", err)
	}
	return nil
}

// orderJSON is one order in the JSON import format.
type orderJSON struct {
	ID        string     `json:"id"`
	Channel   string     `json:"channel"`
	Lines     []lineJSON `json:"lines"`
	Recipient struct {
		Name    string   `json:"name"`
		Lines   []string `json:"lines"`
		City    string   `json:"city"`
		Country string   `json:"country"`
	} `json:"recipient"`
}

type lineJSON struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Submit imports n new small orders (one to three lines of one or two
// units), topping up any SKU whose stock they would exhaust.
func (s *Supplier) Submit(ctx context.Context, n int) error {
	const chunk = 500
	for n > 0 {
		k := min(n, chunk)
		orders, adds := s.make(k)
		if err := s.adjust(ctx, adds); err != nil {
			return err
		}
		raw, err := json.Marshal(orders)
		if err != nil {
			return err
		}
		_, err = pb.NewOrderServiceClient(s.conn).ImportOrders(Bearer(ctx, s.token),
			&pb.ImportOrdersRequest{Data: raw, Format: pb.ImportFormat_IMPORT_FORMAT_JSON})
		if err != nil {
			return fmt.Errorf("import orders: %w", err)
		}
		n -= k
	}
	return nil
}

// make invents k orders and the top-ups they need.
func (s *Supplier) make(k int) ([]orderJSON, []*pb.AdjustStockRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var orders []orderJSON
	topped := map[string]bool{}
	var adds []*pb.AdjustStockRequest
	for range k {
		s.submitted++
		o := orderJSON{ID: fmt.Sprintf("%s%d", s.prefix, s.submitted), Channel: "shop"}
		o.Recipient.Name, o.Recipient.Lines, o.Recipient.City, o.Recipient.Country = "Load Test", []string{"1 Bench Street"}, "London", "GB"
		lines := 1
		if n := s.rng.IntN(10); n >= 9 {
			lines = 3
		} else if n >= 6 {
			lines = 2
		}
		used := map[string]bool{}
		for range lines {
			sku := s.skus[s.rng.IntN(len(s.skus))]
			if used[sku] {
				continue
			}
			used[sku] = true
			q := int64(1 + s.rng.IntN(2))
			if s.avail[sku] < q+supplyMargin && !topped[sku] {
				// The top-up is counted once it lands (adjust); until
				// then the order may wait in the queue for it, which is
				// fine: the queue serves later orders meanwhile.
				topped[sku] = true
				adds = append(adds, &pb.AdjustStockRequest{Bin: s.topBin[sku], Sku: sku, Delta: 200, Reason: "load test supply"})
			}
			s.avail[sku] -= q
			o.Lines = append(o.Lines, lineJSON{SKU: sku, Quantity: q})
		}
		orders = append(orders, o)
	}
	return orders, adds
}

// SKUs is the SKUs the supplier orders, those with stock, sorted.
func (s *Supplier) SKUs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.skus)
}

// Done records that pickers finished orders, freeing room in the backlog.
func (s *Supplier) Done(orders int) {
	s.mu.Lock()
	s.done += orders
	s.mu.Unlock()
}

// Outstanding is how many submitted orders are not picked yet.
func (s *Supplier) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submitted - s.done
}

// Submitted is how many orders were submitted.
func (s *Supplier) Submitted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submitted
}

// Keep submits orders whenever fewer than backlog are outstanding, until
// ctx ends, checking every interval. It returns the first failure.
func (s *Supplier) Keep(ctx context.Context, backlog int, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if short := backlog - s.Outstanding(); short > 0 {
			if err := s.Submit(ctx, short); err != nil {
				// gRPC may time a call out a hair before ctx itself ends.
				if end, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Until(end) < 100*time.Millisecond {
					return nil
				}
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
