"""PyTorch reference timings for bench/bench.ts, on the same workloads as the TypeScript side.

  loop  d2l's train_ch11 with the chapter's from-scratch adam (d2l-en chapter_optimization/adam.md and
        d2l/torch.py: DataLoader over the standardized airfoil data, batch 10, 2 epochs, evaluation every
        200 examples not timed); reports timer.sum() / num_epochs like d2l's printed line.
  step  one torch.optim.Adam(foreach=True) step on a single float32 parameter of n elements.

Run alone it prints both; with --serve it answers JSON requests, one per line on stdin, so that
bench.ts can interleave these measurements with its own and take ratios measured side by side:
  {"op": "info"} | {"op": "loop", "seed": 1, "data": "<airfoil path>"} | {"op": "step", "n": 1048576, "reps": 5}
"""
import json
import statistics
import sys
import time

import numpy as np
import torch
from torch.utils import data


def get_data_ch11(path, batch_size=10, n=1500):
    raw = np.genfromtxt(path, dtype=np.float32, delimiter='\t')
    raw = torch.from_numpy((raw - raw.mean(axis=0)) / raw.std(axis=0))
    dataset = data.TensorDataset(raw[:n, :-1], raw[:n, -1])
    return data.DataLoader(dataset, batch_size, shuffle=True), raw.shape[1] - 1


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def evaluate_loss(net, data_iter, loss):
    total, count = 0.0, 0
    for X, y in data_iter:
        out = net(X)
        l = loss(out, y.reshape(out.shape))
        total += float(l.sum())
        count += l.numel()
    return total / count


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


def train_ch11(trainer_fn, states, hyperparams, data_iter, feature_dim, num_epochs=2):
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1), requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    n, times, losses = 0, [], []
    start = time.perf_counter()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 200 == 0:
                times.append(time.perf_counter() - start)
                losses.append(evaluate_loss(net, data_iter, loss))
                start = time.perf_counter()
    return sum(times) / num_epochs, losses[-1]


def run_loop(path, seed):
    torch.manual_seed(seed)
    data_iter, feature_dim = get_data_ch11(path)
    states = [(torch.zeros((feature_dim, 1)), torch.zeros((feature_dim, 1))), (torch.zeros(1), torch.zeros(1))]
    sec_per_epoch, loss = train_ch11(adam, states, {'lr': 0.01, 't': 1}, data_iter, feature_dim)
    return {'sec_per_epoch': sec_per_epoch, 'loss': loss}


def run_step(n, reps):
    torch.manual_seed(0)
    p = torch.randn(n, requires_grad=True)
    p.grad = torch.randn(n)
    opt = torch.optim.Adam([p], lr=1e-3, foreach=True)
    for _ in range(2):  # the first creates the state; bench.ts also runs two steps before timing
        opt.step()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - start)
    return {'times': times}


def info():
    return {'torch': torch.__version__, 'threads': torch.get_num_threads()}


def serve():
    for line in sys.stdin:
        request = json.loads(line)
        op = request['op']
        if op == 'info':
            reply = info()
        elif op == 'loop':
            reply = run_loop(request['data'], request.get('seed', 1))
        elif op == 'step':
            reply = run_step(request['n'], request.get('reps', 5))
        else:
            reply = {'error': f'unknown op {op!r}'}
        print(json.dumps(reply), flush=True)


def main():
    if sys.argv[1:2] == ['--serve']:
        serve()
        return
    path = sys.argv[1] if len(sys.argv) > 1 else '../shared/data/airfoil_self_noise.dat'
    print(info())
    loops = [run_loop(path, seed) for seed in range(1, 8)]
    print(f"loop: {1000 * statistics.median(r['sec_per_epoch'] for r in loops):.2f} ms/epoch (median of {len(loops)}), "
          f"final losses {[round(r['loss'], 3) for r in loops]}")
    for n in (1 << 20, 4 << 20):
        t = run_step(n, 15)['times']
        print(f'Adam(foreach) step, {n} params: {1000 * statistics.median(t):.2f} ms (median of {len(t)})')


if __name__ == '__main__':
    main()
