package rpc

import (
	"context"
	"fmt"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

type orderService struct {
	*Server
	pb.UnimplementedOrderServiceServer
}

func (s orderService) SubmitOrder(ctx context.Context, req *pb.SubmitOrderRequest) (*pb.SubmitOrderResponse, error) {
	const op = "submit order"
	if req.GetOrder() == nil {
		return nil, floor.Invalid(op, []floor.Violation{{Field: "order", Description: "required"}})
	}
	o := orderFromProto(req.GetOrder())
	if err := floor.ValidateOrder(o, "order").Err(op); err != nil {
		return nil, err
	}
	res, err := s.store.SubmitOrdersContext(ctx, []floor.Order{o}, false)
	if err != nil {
		return nil, err
	}
	return &pb.SubmitOrderResponse{Order: orderToProto(res[0].Order), Created: res[0].Created}, nil
}

// ImportOrders parses and validates the file before it touches the store,
// and passes ctx down: a caller that gives up or runs out of time stops
// the import, and nothing is stored.
func (s orderService) ImportOrders(ctx context.Context, req *pb.ImportOrdersRequest) (*pb.ImportOrdersResponse, error) {
	orders, err := importedOrders(ctx, req)
	if err != nil {
		return nil, err
	}
	created, known, err := s.store.ImportOrdersContext(ctx, orders, req.GetDryRun())
	if err != nil {
		return nil, prefixViolations(err, "data: ")
	}
	return &pb.ImportOrdersResponse{Created: int32(created), Duplicates: int32(known)}, nil
}

// importedOrders reads the orders of an import, through the request's
// mapping when it has one; the mapping decides which formats go with it
// (floor.OrderMapping.FormatProblem).
func importedOrders(ctx context.Context, req *pb.ImportOrdersRequest) ([]floor.Order, error) {
	const op = "import orders"
	format, ok := formatFromProto(req.GetFormat())
	if len(req.GetMapping()) == 0 {
		if !ok {
			return nil, floor.Invalid(op, []floor.Violation{{Field: "format", Description: "set IMPORT_FORMAT_JSON or IMPORT_FORMAT_CSV"}})
		}
		orders, err := floor.ParseOrdersContext(ctx, req.GetData(), format)
		return orders, prefixViolations(err, "data: ")
	}
	if !ok && req.GetFormat() != pb.ImportFormat_IMPORT_FORMAT_UNSPECIFIED {
		return nil, floor.Invalid(op, []floor.Violation{{Field: "format", Description: fmt.Sprintf("unknown format %v: leave it out or set IMPORT_FORMAT_JSON or IMPORT_FORMAT_CSV", req.GetFormat())}})
	}
	m, err := floor.ParseOrderMapping(req.GetMapping())
	if err != nil {
		return nil, prefixViolations(err, "mapping: ")
	}
	if p := m.FormatProblem(format); p != "" {
		return nil, floor.Invalid(op, []floor.Violation{{Field: "format", Description: p}})
	}
	orders, err := floor.ParseOrdersMappedContext(ctx, req.GetData(), m)
	return orders, prefixViolations(err, "data: ")
}

func (s orderService) GetOrder(_ context.Context, req *pb.GetOrderRequest) (*pb.GetOrderResponse, error) {
	var vs floor.Violations
	floor.IDOrder.Check(&vs, "id", req.GetId())
	if err := vs.Err("get order"); err != nil {
		return nil, err
	}
	o, err := s.store.Order(req.GetId())
	if err != nil {
		return nil, err
	}
	return &pb.GetOrderResponse{Order: orderToProto(o)}, nil
}

func (s orderService) ListOrders(_ context.Context, req *pb.ListOrdersRequest) (*pb.ListOrdersResponse, error) {
	var vs floor.Violations
	var states []floor.OrderState
	for i, st := range req.GetStates() {
		fs, ok := keyOf(orderStates, st)
		if !ok {
			vs.Add("states", "states[%d]: unknown state %v", i, st)
		}
		states = append(states, fs)
	}
	limit, after := page(req.GetPageSize(), req.GetPageToken(), &vs)
	if err := vs.Err("list orders"); err != nil {
		return nil, err
	}
	orders, next, err := s.store.ListOrders(states, after, limit)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListOrdersResponse{}
	if next != "" {
		resp.NextPageToken = pageToken(next)
	}
	for _, o := range orders {
		resp.Orders = append(resp.Orders, orderToProto(o))
	}
	return resp, nil
}

func (s orderService) CancelOrder(ctx context.Context, req *pb.CancelOrderRequest) (*pb.CancelOrderResponse, error) {
	var vs floor.Violations
	floor.IDOrder.Check(&vs, "id", req.GetId())
	floor.CheckText(&vs, "reason", req.GetReason(), floor.MaxReasonLen)
	if err := vs.Err("cancel order"); err != nil {
		return nil, err
	}
	o, err := s.store.CancelOrder(caller(ctx).Name, req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &pb.CancelOrderResponse{Order: orderToProto(o)}, nil
}
