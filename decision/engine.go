package decision

import (
	"context"
	"fmt"
	"slices"
)

// Engine decides where tasks run. It is immutable after New and safe for concurrent use.
type Engine struct {
	cfg  Config
	prio Priorities
	crit []Criterion
}

// New validates cfg, fills its defaults and computes the AHP weights once. It refuses judgements
// whose consistency ratio is above MaxConsistencyRatio unless cfg.ForceInconsistent is set.
func New(cfg Config) (*Engine, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("decision config: %w", err)
	}
	var p Pairwise
	var err error
	n := len(DefaultCriteria)
	if cfg.Mode == ModeMamoc {
		n = len(MamocCriteria)
	}
	switch {
	case len(cfg.Judgements) > 0:
		p, err = FromUpper(n, cfg.Judgements)
	case cfg.Mode == ModeMamoc:
		p, err = MamocProfile(cfg.Profile)
	default:
		p, err = FromUpper(n, DefaultJudgements)
	}
	if err != nil {
		return nil, fmt.Errorf("decision judgements: %w", err)
	}
	prio, err := Weigh(p, cfg.ForceInconsistent)
	if err != nil {
		return nil, fmt.Errorf("decision judgements: %w", err)
	}
	e := &Engine{cfg: cfg, prio: prio, crit: make([]Criterion, n)}
	for j := range e.crit {
		e.crit[j].Weight = prio.Weights[j]
		if cfg.Mode == ModeDefault {
			e.crit[j].Cost = defaultCost[j]
		} else {
			e.crit[j].Cost = j == 4
		}
	}
	return e, nil
}

// Priorities returns the AHP result behind the engine's criterion weights.
func (e *Engine) Priorities() Priorities {
	p := e.prio
	p.Weights = slices.Clone(p.Weights)
	return p
}

// Decide ranks the sites of req and decides where the task runs. It fails with ErrInvalid for a
// malformed request, ErrNoSites when no site is usable, and with the History's error.
func (e *Engine) Decide(ctx context.Context, req Request) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if err := validateSites(req.Sites); err != nil {
		return Decision{}, err
	}
	if e.cfg.Mode == ModeMamoc {
		return e.decideMamoc(ctx, req)
	}
	return e.decideDefault(ctx, req)
}

// validateSites checks every site and that names are unique and at most one site is local.
func validateSites(sites []Site) error {
	if len(sites) == 0 {
		return fmt.Errorf("no sites: %w", ErrNoSites)
	}
	locals := 0
	var seen map[string]struct{}
	if len(sites) > 16 {
		seen = make(map[string]struct{}, len(sites))
	}
	for i := range sites {
		s := &sites[i]
		if err := s.validate(); err != nil {
			return err
		}
		if s.Kind == KindLocal {
			locals++
		}
		dup := false
		if seen != nil {
			_, dup = seen[s.Name]
			seen[s.Name] = struct{}{}
		} else {
			for j := range i {
				dup = dup || sites[j].Name == s.Name
			}
		}
		if dup {
			return fmt.Errorf("site name %q twice: %w", s.Name, ErrInvalid)
		}
	}
	if locals > 1 {
		return fmt.Errorf("%d local sites, at most 1: %w", locals, ErrInvalid)
	}
	return nil
}
