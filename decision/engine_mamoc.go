package decision

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// localName is the site name the mamoc-mode rule reads local history under when the request has no
// local site.
const localName = "local"

// decideMamoc ranks the non-local sites by MAMoC's fuzzy TOPSIS and applies MAMoC's 5/5 history
// rule when there is history.
func (e *Engine) decideMamoc(ctx context.Context, req Request) (Decision, error) {
	d := Decision{Mode: ModeMamoc, Task: req.Task}
	var local *Site
	for i := range req.Sites {
		if req.Sites[i].Kind == KindLocal {
			local = &req.Sites[i]
		}
	}
	sites := make([]*Site, 0, len(req.Sites))
	ratings := make([]Ratings, 0, len(req.Sites))
	for i := range req.Sites {
		s := &req.Sites[i]
		switch {
		case s.Kind == KindLocal:
			d.Excluded = append(d.Excluded, Exclusion{s.Name, excludedMamoc})
			continue
		case s.Down:
			d.Excluded = append(d.Excluded, Exclusion{s.Name, excludedDown})
			continue
		}
		r := MeasuredRatings(*s, local, e.cfg.DefaultMbps)
		if s.Ratings != nil {
			r = *s.Ratings
		}
		sites = append(sites, s)
		ratings = append(ratings, r)
	}
	if len(sites) == 0 {
		return Decision{}, fmt.Errorf("no remote site: %w", ErrNoSites)
	}
	cc, err := MamocCloseness(ratings, e.prio.Weights, e.cfg.Bugs)
	if err != nil {
		return Decision{}, err
	}
	d.Ranking = make([]Score, len(sites))
	total := 0.0
	for i, s := range sites {
		d.Ranking[i] = Score{Site: s.Name, Kind: s.Kind, Score: cc[i], Ratings: &ratings[i]}
		total += cc[i]
	}
	// BugListOrder: MAMoC's controller takes the last inserted remote site, whatever its score.
	target := sites[len(sites)-1].Name
	slices.SortStableFunc(d.Ranking, func(a, b Score) int { return cmp.Compare(b.Score, a.Score) })
	if e.cfg.Bugs&BugListOrder == 0 {
		target = d.Ranking[0].Site
	}
	d.Shares = make([]Share, len(d.Ranking))
	for i, r := range d.Ranking {
		d.Shares[i] = Share{Site: r.Site, Share: r.Score / total}
	}
	d.Action, d.Target, d.Reason = ActionOffload, target, "mamoc fuzzy TOPSIS"

	if e.cfg.History == nil || req.Task == "" {
		return d, nil
	}
	name := localName
	if local != nil {
		name = local.Name
	}
	ls, err := e.cfg.History.Stats(ctx, req.Task, name)
	if err != nil {
		return Decision{}, fmt.Errorf("history of %s on %s: %w", req.Task, name, err)
	}
	remoteRuns, remoteSum := 0, 0.0
	for _, s := range sites {
		rs, err := e.cfg.History.Stats(ctx, req.Task, s.Name)
		if err != nil {
			return Decision{}, fmt.Errorf("history of %s on %s: %w", req.Task, s.Name, err)
		}
		remoteRuns += rs.Count
		remoteSum += rs.MeanSec * float64(rs.Count)
	}
	lastRemote := 0.0
	if remoteRuns > 0 {
		lastRemote = remoteSum / float64(remoteRuns)
	}
	// History keeps means, not the last run, so the rule compares mean times.
	if !MamocRule(ls.Count, remoteRuns, ls.MeanSec, lastRemote) {
		d.Action, d.Target, d.Reason = ActionLocal, name, "mamoc 5/5 rule: local"
		d.Shares = []Share{{Site: name, Share: 1}}
	}
	return d, nil
}
