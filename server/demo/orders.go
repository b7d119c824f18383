package demo

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/pickpack/pickpack/server/floor"
)

// locale holds the parts of recipient addresses in one country and script;
// places are city, region, postal code and a street that takes a number.
type locale struct {
	country, phone string
	names          []string
	places         [][4]string
}

var locales = []locale{
	{"CN", "+86 138", []string{"张伟", "李娜", "王芳", "刘洋", "陈静"}, [][4]string{
		{"上海市", "上海市", "200120", "浦东新区世纪大道%d号"},
		{"深圳市", "广东省", "518000", "南山区科技园路%d号"},
		{"杭州市", "浙江省", "310000", "西湖区文三路%d号"}}},
	{"JP", "+81 90", []string{"佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健"}, [][4]string{
		{"渋谷区", "東京都", "150-0041", "神南1-%d-3 メゾン渋谷"},
		{"大阪市北区", "大阪府", "530-0001", "梅田2-%d-1 グランフロント大阪"}}},
	{"RU", "+7 916", []string{"Иван Петров", "Анна Смирнова", "Дмитрий Козлов", "Ольга Иванова"}, [][4]string{
		{"Москва", "Москва", "125009", "ул. Тверская, д. %d, кв. 12"},
		{"Санкт-Петербург", "Санкт-Петербург", "191186", "Невский пр., д. %d"}}},
	{"GR", "+30 69", []string{"Γιώργος Παπαδόπουλος", "Μαρία Κωνσταντίνου", "Νίκος Αλεξίου"}, [][4]string{
		{"Αθήνα", "Αττική", "105 63", "Οδός Ερμού %d"},
		{"Θεσσαλονίκη", "Κεντρική Μακεδονία", "546 24", "Λεωφόρος Νίκης %d"}}},
	{"FR", "+33 6", []string{"Amélie Dubois", "François Lefèvre", "Hélène Garçon"}, [][4]string{
		{"Paris", "Île-de-France", "75002", "%d rue de la Paix"},
		{"Lyon", "Auvergne-Rhône-Alpes", "69002", "%d quai Saint-Antoine"}}},
	{"DE", "+49 151", []string{"Jürgen Müller", "Søren Weiß", "Käthe Schröder"}, [][4]string{
		{"München", "Bayern", "80331", "Königstraße %d"},
		{"Köln", "Nordrhein-Westfalen", "50667", "Hohe Straße %d"}}},
	{"ES", "+34 612", []string{"José Peña", "María Núñez", "Iñaki Gutiérrez"}, [][4]string{
		{"Madrid", "Madrid", "28014", "Calle de Alcalá %d"},
		{"Sevilla", "Sevilla", "41004", "Avenida de la Constitución %d"}}},
	{"PL", "+48 601", []string{"Łukasz Wróbel", "Zofia Żak", "Paweł Kowalczyk"}, [][4]string{
		{"Warszawa", "Mazowieckie", "00-001", "ul. Świętokrzyska %d"},
		{"Łódź", "Łódzkie", "90-001", "ul. Piotrkowska %d"}}},
	{"US", "+1 415", []string{"John Smith", "Emily Johnson", "Michael Brown"}, [][4]string{
		{"San Francisco", "CA", "94103", "%d Market Street"},
		{"Austin", "TX", "78701", "%d Congress Avenue"}}},
	{"GB", "+44 7700", []string{"Oliver Taylor", "Sophie Wilson", "Harry Evans"}, [][4]string{
		{"London", "Greater London", "W1U 6SB", "Flat 2, %d Baker Street"},
		{"Manchester", "Greater Manchester", "M1 5QA", "%d Oxford Road"}}},
}

// Weights of the channels and of an order's line count (1 to 6) and of a
// line's quantity (1 to 3): most orders are small.
var (
	channels     = []string{"shop", "marketplace", "express"}
	channelOdds  = []int{40, 45, 15}
	lineOdds     = []int{50, 25, 10, 7, 5, 3}
	quantityOdds = []int{65, 25, 10}
)

func weighted(r *rand.Rand, odds []int) int {
	total := 0
	for _, o := range odds {
		total += o
	}
	n := r.IntN(total)
	for i, o := range odds {
		if n < o {
			return i
		}
		n -= o
	}
	return len(odds) - 1
}

// Orders is an endless, deterministic stream of demo orders. Its methods
// are safe for concurrent use.
type Orders struct {
	mu     sync.Mutex
	r      *rand.Rand
	ranked []string // SKUs, most popular first
	n      int      // orders made so far
}

// NewOrders returns a stream of orders for skus. Popular SKUs (the ranking
// Stock uses for the same seed and SKU list) are ordered more often.
func NewOrders(seed uint64, skus []string) *Orders {
	return &Orders{r: newRand(seed, streamOrders), ranked: popularity(seed, skus)}
}

// Next returns the next order: ids DEMO-0001, DEMO-0002, ... in sequence,
// channel shop, marketplace or express, one to six lines (mostly one or two)
// of distinct SKUs with quantities 1 to 3, and a recipient address in the
// script of its country. State and times are left zero for the store to set.
func (o *Orders) Next() floor.Order {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.r
	o.n++
	ord := floor.Order{ID: fmt.Sprintf("DEMO-%04d", o.n), Channel: channels[weighted(r, channelOdds)]}
	lines := min(1+weighted(r, lineOdds), len(o.ranked))
	seen := make(map[int]bool, lines)
	for len(ord.Lines) < lines {
		u := r.Float64()
		i := int(u * u * float64(len(o.ranked))) // skewed towards the popular
		if seen[i] {
			continue
		}
		seen[i] = true
		ord.Lines = append(ord.Lines, floor.OrderLine{SKU: o.ranked[i], Quantity: int64(1 + weighted(r, quantityOdds))})
	}
	loc := locales[r.IntN(len(locales))]
	place := loc.places[r.IntN(len(loc.places))]
	ord.Recipient = floor.Address{
		Name:       loc.names[r.IntN(len(loc.names))],
		Phone:      fmt.Sprintf("%s %04d %04d", loc.phone, r.IntN(10000), r.IntN(10000)),
		Lines:      []string{fmt.Sprintf(place[3], 1+r.IntN(200))},
		City:       place[0],
		Region:     place[1],
		PostalCode: place[2],
		Country:    loc.country,
	}
	return ord
}
