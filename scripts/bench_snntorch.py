"""The peer side of lif's CPU throughput comparison: snnTorch's Leaky and a hand-written
in-place PyTorch loop, f32, N neurons, T steps, input streamed from a (T, N) tensor, on 1 and
2 threads. Prints neuron-steps per second.

Optional: needs `pip install snntorch torch` (never needed by lif's tests).
Run through scripts/bench-vs-snntorch.sh, which runs lif's side in the same session.
"""
import sys
import time

import torch

try:
    import snntorch as snn
except ImportError:
    snn = None

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
T = int(sys.argv[2]) if len(sys.argv) > 2 else 100


def best_of(fn, reps=3):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    torch.manual_seed(0)
    x = torch.rand(T, N) * 0.3
    for threads in (1, 2):
        torch.set_num_threads(threads)
        if snn is not None:
            lif = snn.Leaky(beta=0.9)

            def run_snntorch():
                with torch.no_grad():
                    mem = lif.init_leaky()
                    for t in range(T):
                        spk, mem = lif(x[t], mem)

            s = best_of(run_snntorch)
            print(f"snntorch.Leaky        threads={threads} {N * T / s:.3e} neuron-steps/s")

        def run_inplace():
            with torch.no_grad():
                mem = torch.zeros(N)
                spk = torch.empty(N, dtype=torch.bool)
                for t in range(T):
                    mem.mul_(0.9).add_(x[t])
                    torch.gt(mem, 1.0, out=spk)
                    mem.sub_(spk.float())

        s = best_of(run_inplace)
        print(f"torch in-place loop   threads={threads} {N * T / s:.3e} neuron-steps/s")


if __name__ == "__main__":
    main()
