package decision_test

import (
	"context"
	"fmt"

	"github.com/mamoc-go/mamoc/decision"
)

func ExampleWeigh() {
	// MAMoC's DM1 judgements over bandwidth, speed, availability, security and price.
	p, _ := decision.FromUpper(5, []float64{1, 5, 7, 9, 5, 6, 8, 3, 3, 2})
	pr, err := decision.Weigh(p, false)
	if err != nil {
		panic(err)
	}
	fmt.Printf("weights %.4f\nλmax %.3f CI %.4f CR %.4f\n", pr.Weights, pr.LambdaMax, pr.CI, pr.CR)
	// Output:
	// weights [0.4073 0.3886 0.1084 0.0573 0.0385]
	// λmax 5.120 CI 0.0300 CR 0.0268
}

func ExampleEqualFinishShares() {
	// The phone needs 4 s for the whole task; the edge 1 s after a fixed 1 s (RTT and queue).
	shares, finish, _ := decision.EqualFinishShares([]float64{0, 1}, []float64{4, 1})
	fmt.Printf("shares %.2f, both finish at %.1f s\n", shares, finish)
	// Output: shares [0.40 0.60], both finish at 1.6 s
}

func ExampleEngine_Decide() {
	history := decision.NewStatsMap([]decision.Stats{
		{Task: "KMP", Site: "phone", Count: 10, MeanSec: 1.5},
		{Task: "KMP", Site: "edge", Count: 10, MeanSec: 0.4},
	})
	e, err := decision.New(decision.Config{History: history})
	if err != nil {
		panic(err)
	}
	d, err := e.Decide(context.Background(), decision.Request{
		Task: "KMP",
		Sites: []decision.Site{
			{Name: "phone", Kind: decision.KindLocal},
			{Name: "edge", Kind: decision.KindEdge, RTTMillis: 10, UpMbps: 50, Speed: 4},
		},
		InputBytes: 4 << 20,
	})
	if err != nil {
		panic(err)
	}
	for _, r := range d.Ranking {
		fmt.Printf("%s %.3f s (%s)\n", r.Site, r.Prediction.TotalSec, r.Prediction.Source)
	}
	fmt.Println(d.Action, d.Target)
	// Output:
	// edge 1.081 s (history)
	// phone 1.500 s (history)
	// offload edge
}
