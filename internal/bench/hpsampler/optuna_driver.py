"""Minimizes Branin or Hartmann-6 with an Optuna sampler for seeds 0..n-1 and prints the best
values as a JSON list: python optuna_driver.py PROBLEM random|tpe BUDGET SEEDS [CONCURRENCY].

With CONCURRENCY c > 1 the study is driven by ask and tell with c trials in flight: each trial
is asked for while the c-1 before it are still running (TPE with constant_liar=True, Optuna's
way of spreading out concurrent trials), then the oldest is told its value. The objective runs when its trial is asked for (the
parameters are suggested then), its value is told when the trial finishes."""
import json
import math
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)

H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def branin_xy(x1, x2):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def branin(trial):
    return branin_xy(trial.suggest_float("x0", -5, 10), trial.suggest_float("x1", 0, 15))


def hartmann6(trial):
    x = [trial.suggest_float("x%d" % j, 0, 1) for j in range(6)]
    s = 0.0
    for i in range(4):
        e = sum(H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2 for j in range(6))
        s -= H6_ALPHA[i] * math.exp(-e)
    return s


def main():
    problem, sampler, budget, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    conc = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    objective = {"branin": branin, "hartmann6": hartmann6}[problem]
    bests = []
    for seed in range(seeds):
        if sampler == "tpe":
            s = optuna.samplers.TPESampler(seed=seed, constant_liar=conc > 1)
        else:
            s = optuna.samplers.RandomSampler(seed=seed)
        study = optuna.create_study(direction="minimize", sampler=s)
        if conc == 1:
            study.optimize(objective, n_trials=budget)
        else:
            pending, asked = [], 0
            while asked < budget or pending:
                while len(pending) < conc and asked < budget:
                    # The objective suggests the parameters, so it runs at ask time (while
                    # the others are pending); its value is told when the trial "finishes".
                    t = study.ask()
                    pending.append((t, objective(t)))
                    asked += 1
                t, value = pending.pop(0)
                study.tell(t, value)
        bests.append(study.best_value)
    print(json.dumps(bests))


if __name__ == "__main__":
    main()
