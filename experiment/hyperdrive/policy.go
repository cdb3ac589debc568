package hyperdrive

import (
	"errors"
	"fmt"
	"math"

	"github.com/amlgo/amlgo/internal/earlystop"
)

// ErrInvalidPolicy is matched (errors.Is) by every error about an early-termination policy.
var ErrInvalidPolicy = errors.New("hyperdrive: invalid early termination policy")

func policyError(format string, args ...any) error {
	return fmt.Errorf("hyperdrive: "+format+"%w", append(args, wrapOnly{ErrInvalidPolicy})...)
}

// Policy is an early-termination policy: BanditPolicy, MedianStoppingPolicy,
// TruncationSelectionPolicy or NoTerminationPolicy. A policy decides from the primary metric's
// values alone; the first batch of concurrent runs is never stopped.
type Policy interface {
	// Name is the policy's wire name: "Bandit", "MedianStopping", "TruncationSelection" or
	// "Default" (no termination).
	Name() string
	newTerminator() terminator
}

// PolicyOptions are when a policy looks at a run. Each value of the primary metric a run logs
// is one interval; a run is evaluated at interval k when k is a multiple of EvaluationInterval
// and k ≥ DelayEvaluation.
type PolicyOptions struct {
	// EvaluationInterval is azureml's evaluation_interval; 0 means the default, 1.
	EvaluationInterval int
	// DelayEvaluation is azureml's delay_evaluation, default 0.
	DelayEvaluation int
}

// schedule validates o (nil = defaults).
func (o *PolicyOptions) schedule() (earlystop.Schedule, error) {
	s := earlystop.Schedule{Interval: 1}
	if o == nil {
		return s, nil
	}
	switch {
	case o.EvaluationInterval < 0:
		return s, policyError("evaluation_interval expects a positive int")
	case o.DelayEvaluation < 0:
		return s, policyError("delay_evaluation expects a non negative int")
	}
	s.Delay = o.DelayEvaluation
	if o.EvaluationInterval > 0 {
		s.Interval = o.EvaluationInterval
	}
	return s, nil
}

// BanditOptions are the Bandit policy's settings (azureml's BanditPolicy arguments): exactly
// one of SlackFactor (a ratio: with 0.2 a run at 0.8/1.2 of the best run is kept) and
// SlackAmount (an absolute distance), and when to look at a run (see PolicyOptions).
type BanditOptions struct {
	// EvaluationInterval is azureml's evaluation_interval; 0 means the default, 1.
	EvaluationInterval int
	// SlackFactor is azureml's slack_factor.
	SlackFactor float64
	// SlackAmount is azureml's slack_amount.
	SlackAmount float64
	// DelayEvaluation is azureml's delay_evaluation, default 0.
	DelayEvaluation int
}

// Bandit is azureml's BanditPolicy: a run whose best primary metric at an evaluation is not
// within the slack of the best run's at the same interval is cancelled.
type Bandit struct {
	factor, amount float64
	sched          earlystop.Schedule
}

// BanditPolicy returns a Bandit policy; opts must set exactly one of the slacks.
func BanditPolicy(opts *BanditOptions) (*Bandit, error) {
	var o BanditOptions
	if opts != nil {
		o = *opts
	}
	if (o.SlackFactor == 0) == (o.SlackAmount == 0) {
		return nil, policyError("Bandit termination policy expects exactly one of slack factor or slack amount to be set.")
	}
	for _, v := range []float64{o.SlackFactor, o.SlackAmount} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, policyError("Bandit termination policy expects a finite, non negative slack, not %v", v)
		}
	}
	s, err := (&PolicyOptions{EvaluationInterval: o.EvaluationInterval, DelayEvaluation: o.DelayEvaluation}).schedule()
	if err != nil {
		return nil, err
	}
	return &Bandit{factor: o.SlackFactor, amount: o.SlackAmount, sched: s}, nil
}

// Name implements Policy.
func (*Bandit) Name() string { return "Bandit" }

// SlackFactor returns the slack factor (0 when the slack is an amount).
func (b *Bandit) SlackFactor() float64 { return b.factor }

// SlackAmount returns the slack amount (0 when the slack is a factor).
func (b *Bandit) SlackAmount() float64 { return b.amount }

// EvaluationInterval returns how often the policy looks at a run, in intervals.
func (b *Bandit) EvaluationInterval() int { return b.sched.Interval }

// DelayEvaluation returns the first interval at which the policy may look at a run.
func (b *Bandit) DelayEvaluation() int { return b.sched.Delay }

func (b *Bandit) newTerminator() terminator {
	return ruleTerminator{earlystop.Bandit{Schedule: b.sched, Factor: b.factor, Amount: b.amount}}
}

// MedianStopping is azureml's MedianStoppingPolicy: a run whose best primary metric up to an
// evaluation's interval is worse than the median of the runs' running averages there is
// cancelled. azureml's advice for a conservative policy: EvaluationInterval 1, DelayEvaluation 5.
type MedianStopping struct{ sched earlystop.Schedule }

// MedianStoppingPolicy returns a median stopping policy with the evaluation schedule opts.
func MedianStoppingPolicy(opts *PolicyOptions) (*MedianStopping, error) {
	s, err := opts.schedule()
	if err != nil {
		return nil, err
	}
	return &MedianStopping{sched: s}, nil
}

// Name implements Policy.
func (*MedianStopping) Name() string { return "MedianStopping" }

// EvaluationInterval returns how often the policy looks at a run, in intervals.
func (m *MedianStopping) EvaluationInterval() int { return m.sched.Interval }

// DelayEvaluation returns the first interval at which the policy may look at a run.
func (m *MedianStopping) DelayEvaluation() int { return m.sched.Delay }

func (m *MedianStopping) newTerminator() terminator {
	return ruleTerminator{earlystop.MedianStopping{Schedule: m.sched}}
}

// TruncationSelection is azureml's TruncationSelectionPolicy: at each evaluation the runs
// ranking in the lowest truncation percentage, compared at the same interval, are cancelled.
type TruncationSelection struct {
	percentage      int
	excludeFinished bool
	sched           earlystop.Schedule
}

// TruncationSelectionPolicy returns a truncation selection policy cancelling the lowest
// truncationPercentage percent (1 to 99) of the runs, with the evaluation schedule opts.
func TruncationSelectionPolicy(truncationPercentage int, opts *PolicyOptions) (*TruncationSelection, error) {
	if truncationPercentage < 1 || truncationPercentage > 99 {
		return nil, policyError("truncation_percentage expects value to be between 1 and 99.")
	}
	s, err := opts.schedule()
	if err != nil {
		return nil, err
	}
	return &TruncationSelection{percentage: truncationPercentage, sched: s}, nil
}

// Name implements Policy.
func (*TruncationSelection) Name() string { return "TruncationSelection" }

// TruncationPercentage returns the percentage of runs cancelled at each evaluation.
func (t *TruncationSelection) TruncationPercentage() int { return t.percentage }

// EvaluationInterval returns how often the policy looks at a run, in intervals.
func (t *TruncationSelection) EvaluationInterval() int { return t.sched.Interval }

// DelayEvaluation returns the first interval at which the policy may look at a run.
func (t *TruncationSelection) DelayEvaluation() int { return t.sched.Delay }

func (t *TruncationSelection) newTerminator() terminator {
	return ruleTerminator{earlystop.TruncationSelection{Schedule: t.sched, Percentage: t.percentage, ExcludeFinished: t.excludeFinished}}
}

// NoTermination is azureml's NoTerminationPolicy: every run runs to completion. A Config
// without a policy has this one.
type NoTermination struct{}

// NoTerminationPolicy returns the policy that never cancels a run.
func NoTerminationPolicy() *NoTermination { return &NoTermination{} }

// Name implements Policy.
func (*NoTermination) Name() string { return "Default" }

func (*NoTermination) newTerminator() terminator { return noTerminator{} }

type noTerminator struct{}

func (noTerminator) stop([]trialProgress, PrimaryMetricGoal, int) map[int]string {
	return map[int]string{}
}

// ruleTerminator adapts an earlystop rule to the controller's terminator.
type ruleTerminator struct{ rule earlystop.Rule }

func (r ruleTerminator) stop(trials []trialProgress, goal PrimaryMetricGoal, protectedBelow int) map[int]string {
	ts := make([]earlystop.Trial, len(trials))
	for i, t := range trials {
		ts[i] = earlystop.Trial{Number: t.Number, Running: t.Running, Values: t.Values}
	}
	return r.rule.Stop(ts, goal != Minimize, protectedBelow)
}
