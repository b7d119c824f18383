package sim

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// packagingG is the pack station's allowance for the box, as the server's
// default weight check expects it.
const packagingG = 60

// Packer packs and hands off the orders of finished pick tasks, so that a
// load run's orders close as they do on a real floor instead of piling up
// open behind the pickers.
type Packer struct {
	Name       string // prefixes scan ids; one packer per packer user
	Token      string // the packer's bearer token
	AdminToken string // reads the finished tasks (GetTask)
	Catalog    *Catalog
	// Rate is scans per second, as a person at a pack station scans; zero
	// is as fast as the answers come.
	Rate float64

	n       int
	Packed  atomic.Int64 // orders packed
	Shipped atomic.Int64 // orders handed off
	Unusual atomic.Int64 // answers other than the expected verdicts
}

// Run packs the tasks whose ids arrive on tasks until ctx ends or tasks is
// closed.
func (p *Packer) Run(ctx context.Context, conn grpc.ClientConnInterface, tasks <-chan string) error {
	pctx := Bearer(ctx, p.Token)
	pack, err := pb.NewPackServiceClient(conn).Pack(pctx)
	if err != nil {
		return err
	}
	defer pack.CloseSend()
	handoff, err := pb.NewPackServiceClient(conn).Handoff(pctx)
	if err != nil {
		return err
	}
	defer handoff.CloseSend()
	var pace <-chan time.Time
	if p.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / p.Rate))
		defer t.Stop()
		pace = t.C
	}
	send := func(sc *pb.Scan, stream interface {
		Send(*pb.Scan) error
		Recv() (*pb.ScanAnswer, error)
	}) (*pb.ScanAnswer, error) {
		if pace != nil {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-pace:
			}
		}
		p.n++
		sc.ScanId = fmt.Sprintf("%s-%d", p.Name, p.n)
		if err := stream.Send(sc); err != nil {
			return nil, err
		}
		return stream.Recv()
	}
	packs := packStream{pack}
	hands := handoffStream{handoff}
	for {
		var id string
		select {
		case <-ctx.Done():
			return nil
		case t, ok := <-tasks:
			if !ok {
				return nil
			}
			id = t
		}
		resp, err := pb.NewPickServiceClient(conn).GetTask(Bearer(ctx, p.AdminToken), &pb.GetTaskRequest{Id: id})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("task %s: %w", id, err)
		}
		for _, order := range picked(resp.GetTask()) {
			err := p.pack(ctx, conn, order, func(sc *pb.Scan) (*pb.ScanAnswer, error) { return send(sc, packs) })
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			if err != nil {
				return err
			}
			// The courier's scan is of the label: the waybill's number.
			o, err := pb.NewOrderServiceClient(conn).GetOrder(Bearer(ctx, p.AdminToken), &pb.GetOrderRequest{Id: order.id})
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return fmt.Errorf("order %s: %w", order.id, err)
			}
			waybill := o.GetOrder().GetTrackingNumber()
			if waybill == "" { // no carrier took it: no label, no courier
				p.Unusual.Add(1)
				continue
			}
			a, err := send(&pb.Scan{Code: waybill}, hands)
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil
			}
			if err != nil {
				return err
			}
			if a.GetReason() == "HANDED_OFF" {
				p.Shipped.Add(1)
			} else {
				p.Unusual.Add(1)
			}
		}
	}
}

// pickedOrder is what a task put into one order's tote.
type pickedOrder struct {
	id    string
	units map[string]int64 // SKU -> units picked
}

func picked(t *pb.Task) []pickedOrder {
	byOrder := map[string]*pickedOrder{}
	var ids []string
	for _, s := range t.GetStops() {
		if s.GetPicked() == 0 {
			continue
		}
		o, ok := byOrder[s.GetOrderId()]
		if !ok {
			o = &pickedOrder{id: s.GetOrderId(), units: map[string]int64{}}
			byOrder[o.id] = o
			ids = append(ids, o.id)
		}
		o.units[s.GetSku()] += s.GetPicked()
	}
	sort.Strings(ids)
	out := make([]pickedOrder, len(ids))
	for i, id := range ids {
		out[i] = *byOrder[id]
	}
	return out
}

// pack verifies every unit of an order and weighs the parcel.
func (p *Packer) pack(ctx context.Context, conn grpc.ClientConnInterface, o pickedOrder, send func(*pb.Scan) (*pb.ScanAnswer, error)) error {
	if _, err := send(&pb.Scan{Code: o.id}); err != nil {
		return err
	}
	var units, grams int64
	var last *pb.ScanAnswer
	for sku, n := range o.units {
		code, err := p.Catalog.Barcode(ctx, conn, sku)
		if err != nil || code == "" {
			return err // a SKU without a barcode cannot be verified: leave the order
		}
		if last, err = send(&pb.Scan{Code: code, Quantity: n}); err != nil {
			return err
		}
		units += n
		grams += n * p.Catalog.Weight(sku)
	}
	if units > 1 {
		var err error
		if last, err = send(&pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: grams + packagingG}); err != nil {
			return err
		}
	}
	if last.GetReason() == "PACKED" || last.GetReason() == "WEIGHT_UNCHECKED" {
		p.Packed.Add(1)
	} else {
		p.Unusual.Add(1)
	}
	return nil
}

type packStream struct{ s pb.PackService_PackClient }

func (p packStream) Send(sc *pb.Scan) error { return p.s.Send(&pb.PackRequest{Scan: sc}) }
func (p packStream) Recv() (*pb.ScanAnswer, error) {
	r, err := p.s.Recv()
	return r.GetAnswer(), err
}

type handoffStream struct{ s pb.PackService_HandoffClient }

func (h handoffStream) Send(sc *pb.Scan) error { return h.s.Send(&pb.HandoffRequest{Scan: sc}) }
func (h handoffStream) Recv() (*pb.ScanAnswer, error) {
	r, err := h.s.Recv()
	return r.GetAnswer(), err
}
