package rpc

import (
	"context"
	"strings"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

type warehouseService struct {
	*Server
	pb.UnimplementedWarehouseServiceServer
}

func (s warehouseService) ImportBinMap(ctx context.Context, req *pb.ImportBinMapRequest) (*pb.ImportBinMapResponse, error) {
	m, err := floor.ParseBinMap(req.GetData())
	if err != nil {
		return nil, prefixViolations(err, "data: ")
	}
	ch, err := s.store.ImportBinMapContext(ctx, m, req.GetDryRun())
	if err != nil {
		return nil, err
	}
	return &pb.ImportBinMapResponse{Bins: int32(ch.Bins), Added: int32(ch.Added), Removed: int32(ch.Removed), Moved: int32(ch.Moved)}, nil
}

// prefixViolations points violations at the request field they came
// from: a file's with "data: " ("data: bins[3].aisle"), a message's with
// its path ("delivery.lines[0].sku").
func prefixViolations(err error, prefix string) error {
	if fe, ok := err.(*floor.Error); ok {
		for i := range fe.Violations {
			fe.Violations[i].Field = prefix + fe.Violations[i].Field
		}
	}
	return err
}

func (s warehouseService) GetBinMap(context.Context, *pb.GetBinMapRequest) (*pb.GetBinMapResponse, error) {
	m, err := s.store.BinMap()
	if err != nil {
		return nil, err
	}
	return &pb.GetBinMapResponse{BinMap: binMapToProto(m)}, nil
}

func (s warehouseService) ImportSkus(ctx context.Context, req *pb.ImportSkusRequest) (*pb.ImportSkusResponse, error) {
	const op = "import SKUs"
	format, ok := formatFromProto(req.GetFormat())
	if !ok {
		return nil, floor.Invalid(op, []floor.Violation{{Field: "format", Description: "set IMPORT_FORMAT_JSON or IMPORT_FORMAT_CSV"}})
	}
	skus, err := floor.ParseSKUs(req.GetData(), format)
	if err != nil {
		return nil, prefixViolations(err, "data: ")
	}
	if err := s.store.PutSKUsContext(ctx, skus, req.GetDryRun()); err != nil {
		return nil, err
	}
	resp := &pb.ImportSkusResponse{Imported: int32(len(skus))}
	for _, sku := range skus {
		if len(sku.Missing) > 0 {
			resp.Incomplete = append(resp.Incomplete, &pb.ImportProblem{Field: sku.ID,
				Description: "missing " + strings.Join(sku.Missing, ", ")})
		}
	}
	return resp, nil
}

func (s warehouseService) GetSku(_ context.Context, req *pb.GetSkuRequest) (*pb.GetSkuResponse, error) {
	var sku floor.SKU
	var err error
	switch key := req.GetKey().(type) {
	case *pb.GetSkuRequest_Id:
		var vs floor.Violations
		if floor.IDSKU.Check(&vs, "id", key.Id); len(vs) > 0 {
			return nil, vs.Err("get SKU")
		}
		sku, err = s.store.SKU(key.Id)
	case *pb.GetSkuRequest_Barcode:
		var vs floor.Violations
		if codeField(&vs, "barcode", key.Barcode); len(vs) > 0 {
			return nil, vs.Err("get SKU")
		}
		sku, err = s.store.SKUByBarcode(key.Barcode)
	default:
		err = floor.Invalid("get SKU", []floor.Violation{{Field: "key", Description: "set id or barcode"}})
	}
	if err != nil {
		return nil, err
	}
	return &pb.GetSkuResponse{Sku: skuToProto(sku)}, nil
}

func (s warehouseService) ListStock(_ context.Context, req *pb.ListStockRequest) (*pb.ListStockResponse, error) {
	var vs floor.Violations
	limit, after := page(req.GetPageSize(), req.GetPageToken(), &vs)
	if req.GetBin() != "" {
		codeField(&vs, "bin", req.GetBin())
	}
	floor.IDSKU.CheckOptional(&vs, "sku", req.GetSku())
	if err := vs.Err("list stock"); err != nil {
		return nil, err
	}
	levels, next, err := s.store.ListStock(store.StockFilter{Bin: req.GetBin(), SKU: req.GetSku()}, after, limit)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListStockResponse{}
	if next != "" {
		resp.NextPageToken = pageToken(next)
	}
	for _, l := range levels {
		resp.Levels = append(resp.Levels, levelToProto(l))
	}
	return resp, nil
}

func (s warehouseService) AdjustStock(ctx context.Context, req *pb.AdjustStockRequest) (*pb.AdjustStockResponse, error) {
	var vs floor.Violations
	codeField(&vs, "bin", req.GetBin())
	floor.IDSKU.Check(&vs, "sku", req.GetSku())
	if req.GetReason() == "" {
		vs.Add("reason", "required")
	}
	floor.CheckText(&vs, "reason", req.GetReason(), floor.MaxReasonLen)
	if req.GetDelta() == 0 {
		vs.Add("delta", "must not be zero")
	}
	if err := vs.Err("adjust stock"); err != nil {
		return nil, err
	}
	levels, err := s.store.AdjustStock(store.StockAdjustment{Bin: req.GetBin(), SKU: req.GetSku(), Delta: req.GetDelta(), Reason: req.GetReason(), User: caller(ctx).Name})
	if err != nil {
		return nil, err
	}
	return &pb.AdjustStockResponse{Level: levelToProto(levels[0])}, nil
}

func (s warehouseService) ImportShipping(_ context.Context, req *pb.ImportShippingRequest) (*pb.ImportShippingResponse, error) {
	sh, err := floor.ParseShipping(req.GetData())
	if err != nil {
		return nil, prefixViolations(err, "data: ")
	}
	if !req.GetDryRun() {
		if err := s.store.SetShipping(sh); err != nil {
			return nil, err
		}
	}
	return &pb.ImportShippingResponse{Carriers: int32(len(sh.Carriers)), Rules: int32(len(sh.Rules))}, nil
}
