package rpc

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func binMapToProto(m *floor.BinMap) *pb.BinMap {
	out := &pb.BinMap{Warehouse: m.Warehouse, CodeScheme: m.CodeScheme,
		Depot: &pb.Point{X: m.Depot.X, Y: m.Depot.Y}, CrossAisles: m.CrossAisles}
	for _, a := range m.Aisles {
		out.Aisles = append(out.Aisles, &pb.Aisle{Id: a.ID, X: a.X})
	}
	for _, b := range m.Bins {
		out.Bins = append(out.Bins, &pb.Bin{Code: b.Code, Aisle: b.Aisle, Y: b.Y})
	}
	return out
}

var barcodeKinds = map[floor.BarcodeKind]pb.BarcodeKind{
	floor.BarcodeEAN13:    pb.BarcodeKind_BARCODE_KIND_EAN13,
	floor.BarcodeUPCA:     pb.BarcodeKind_BARCODE_KIND_UPCA,
	floor.BarcodeEAN8:     pb.BarcodeKind_BARCODE_KIND_EAN8,
	floor.BarcodeInternal: pb.BarcodeKind_BARCODE_KIND_INTERNAL,
}

func skuToProto(s floor.SKU) *pb.Sku {
	out := &pb.Sku{Id: s.ID, Name: s.Name, Spec: s.Spec,
		LengthMm: s.Size.LengthMM, WidthMm: s.Size.WidthMM, HeightMm: s.Size.HeightMM, WeightG: s.WeightG,
		Customs: &pb.Customs{DescriptionEn: s.Customs.DescriptionEN, DescriptionZh: s.Customs.DescriptionZH,
			HsCode: s.Customs.HSCode, Origin: s.Customs.Origin,
			DeclaredValue: &pb.Money{MinorUnits: s.Customs.DeclaredValue.Minor, Currency: s.Customs.DeclaredValue.Currency}},
		Missing: s.Missing}
	for _, b := range s.Barcodes {
		out.Barcodes = append(out.Barcodes, &pb.Barcode{Kind: barcodeKinds[b.Kind], Code: b.Code})
	}
	return out
}

func levelToProto(l floor.StockLevel) *pb.StockLevel {
	return &pb.StockLevel{Bin: l.Bin, Sku: l.SKU, OnHand: l.OnHand, Reserved: l.Reserved, Available: l.Available()}
}

var orderStates = map[floor.OrderState]pb.OrderState{
	floor.StateQueued:    pb.OrderState_ORDER_STATE_QUEUED,
	floor.StateAssigned:  pb.OrderState_ORDER_STATE_ASSIGNED,
	floor.StatePicked:    pb.OrderState_ORDER_STATE_PICKED,
	floor.StatePacked:    pb.OrderState_ORDER_STATE_PACKED,
	floor.StateHandedOff: pb.OrderState_ORDER_STATE_HANDED_OFF,
	floor.StateCancelled: pb.OrderState_ORDER_STATE_CANCELLED,
}

// keyOf inverts the small conversion maps above.
func keyOf[K, V comparable](m map[K]V, v V) (K, bool) {
	for k, mv := range m {
		if mv == v {
			return k, true
		}
	}
	var zero K
	return zero, false
}

func addressToProto(a floor.Address) *pb.Address {
	return &pb.Address{Name: a.Name, Phone: a.Phone, Lines: a.Lines, City: a.City,
		Region: a.Region, PostalCode: a.PostalCode, Country: a.Country}
}

func addressFromProto(a *pb.Address) floor.Address {
	return floor.Address{Name: a.GetName(), Phone: a.GetPhone(), Lines: a.GetLines(), City: a.GetCity(),
		Region: a.GetRegion(), PostalCode: a.GetPostalCode(), Country: a.GetCountry()}
}

func orderToProto(o floor.Order) *pb.Order {
	out := &pb.Order{Id: o.ID, Channel: o.Channel, Recipient: addressToProto(o.Recipient),
		State: orderStates[o.State], ReleasedAt: ts(o.ReleasedAt), DueAt: ts(o.DueAt),
		TaskId: o.TaskID, Picker: o.Picker, UpdatedAt: ts(o.UpdatedAt), HandedOffAt: ts(o.HandedOffAt),
		Carrier: o.Carrier, Service: o.Service, TrackingNumber: o.Tracking, ShippingProblem: o.ShippingProblem,
		CustomsCategory: o.Customs.Category, ImporterReference: o.Customs.ImporterReference,
		InvoiceNumber: o.Customs.InvoiceNumber, ParcelWeightsG: o.ParcelWeightsG, PriorityRaisedAt: ts(o.RaisedAt)}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, &pb.OrderLine{Sku: l.SKU, Quantity: l.Quantity})
	}
	out.Boxes = boxesToProto(o)
	return out
}

// boxesToProto lists the boxes of an order packed in several, each with
// its weight from the order's parcel weights.
func boxesToProto(o floor.Order) []*pb.Box {
	var out []*pb.Box
	for i, b := range o.Boxes {
		pbox := &pb.Box{Number: int32(i + 1), Code: b.Code, HandedOffAt: ts(b.HandedOffAt)}
		if i < len(o.ParcelWeightsG) {
			pbox.WeightG = o.ParcelWeightsG[i]
		}
		for _, l := range b.Lines {
			pbox.Lines = append(pbox.Lines, &pb.OrderLine{Sku: l.SKU, Quantity: l.Quantity})
		}
		out = append(out, pbox)
	}
	return out
}

// orderFromProto takes what a client may set; state and times are the
// server's.
func orderFromProto(o *pb.Order) floor.Order {
	out := floor.Order{ID: o.GetId(), Channel: o.GetChannel(), Recipient: addressFromProto(o.GetRecipient()),
		Customs: floor.OrderCustoms{Category: o.GetCustomsCategory(), ImporterReference: o.GetImporterReference(),
			InvoiceNumber: o.GetInvoiceNumber()}}
	for _, l := range o.GetLines() {
		out.Lines = append(out.Lines, floor.OrderLine{SKU: l.GetSku(), Quantity: l.GetQuantity()})
	}
	return out
}

var strategies = map[floor.RouteStrategy]pb.RouteStrategy{
	floor.RouteShortest:           pb.RouteStrategy_ROUTE_STRATEGY_SHORTEST,
	floor.RouteFamiliarFirst:      pb.RouteStrategy_ROUTE_STRATEGY_FAMILIAR_FIRST,
	floor.RouteShortestForDueTime: pb.RouteStrategy_ROUTE_STRATEGY_SHORTEST_FOR_DUE_TIME,
}

func taskToProto(t floor.Task) *pb.Task {
	out := &pb.Task{Id: t.ID, Picker: t.Picker, CreatedAt: ts(t.CreatedAt),
		Meters: t.Route.Meters, ShortestMeters: t.Route.ShortestMeters, Strategy: strategies[t.Route.Strategy],
		RouteReason: t.Route.Reason, RouteOptimal: t.Route.Optimal, PredictedPickedAt: ts(t.PredictedPickedAt), Paper: t.Paper,
		State: taskStates[t.State()], DroppedOffAtStation: t.DropStation, DroppedOffAt: ts(t.DroppedAt)}
	for _, o := range t.Orders {
		out.Orders = append(out.Orders, &pb.TaskOrder{OrderId: o.OrderID, Tote: int32(o.Tote), DueAt: ts(o.DueAt),
			PredictedHandoffAt: ts(o.PredictedHandoffAt), AtRisk: o.AtRisk, ToteCode: o.ToteCode})
	}
	for _, s := range t.Stops {
		out.Stops = append(out.Stops, stopToProto(s))
	}
	return out
}

func stopToProto(s floor.Stop) *pb.Stop {
	return &pb.Stop{Bin: s.Bin, Sku: s.SKU, Name: s.Name, Quantity: s.Quantity,
		OrderId: s.OrderID, Tote: int32(s.Tote), Familiar: s.Familiar, CumulativeMeters: s.CumulativeMeters,
		PredictedElapsed: durationpb.New(s.PredictedElapsed), Picked: s.Picked, Short: s.Short, ToteCode: s.ToteCode}
}

var taskStates = map[floor.TaskState]pb.TaskState{
	floor.TaskTotes:    pb.TaskState_TASK_STATE_TOTES,
	floor.TaskPicking:  pb.TaskState_TASK_STATE_PICKING,
	floor.TaskDropOff:  pb.TaskState_TASK_STATE_DROP_OFF,
	floor.TaskDone:     pb.TaskState_TASK_STATE_DONE,
	floor.TaskReleased: pb.TaskState_TASK_STATE_RELEASED,
}

var roles = map[floor.Role]pb.Role{
	floor.RolePicker:     pb.Role_ROLE_PICKER,
	floor.RolePacker:     pb.Role_ROLE_PACKER,
	floor.RoleSupervisor: pb.Role_ROLE_SUPERVISOR,
	floor.RoleAdmin:      pb.Role_ROLE_ADMIN,
	floor.RoleReceiver:   pb.Role_ROLE_RECEIVER,
	floor.RoleCounter:    pb.Role_ROLE_COUNTER,
}

func formatFromProto(f pb.ImportFormat) (floor.ImportFormat, bool) {
	switch f {
	case pb.ImportFormat_IMPORT_FORMAT_JSON:
		return floor.ImportJSON, true
	case pb.ImportFormat_IMPORT_FORMAT_CSV:
		return floor.ImportCSV, true
	}
	return floor.ImportUnspecified, false
}

// timeOrZero reads an optional timestamp; unset is the zero time.
func timeOrZero(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}
