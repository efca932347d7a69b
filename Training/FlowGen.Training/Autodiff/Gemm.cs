// Row-major C = op(A) op(B) + beta C for the training engine (single-threaded: the training ops
// parallelise over the batch). float runs on the runtime's GEMM kernel; the generic loop below is the
// double path used by the gradient checks. Results never depend on how callers split the work.
using System.Numerics;
using FlowGen.Runtime.Cpu;

namespace FlowGen.Training.Autodiff;

internal static unsafe class Gemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>C[m,n] = op(A)[m,k] op(B)[k,n] + beta C; op transposes when the flag is set.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
    {
        if (typeof(T) == typeof(float))
        {
            GemmKernel.RunCore(transA, transB, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, float.CreateTruncating(beta),
                (float*)c, ldc, WorkerPool.Serial);
            return;
        }
        int vw = Vector<T>.Count;
        for (int i = 0; i < m; i++)
        {
            T* ci = c + (long)i * ldc;
            if (beta == T.Zero) new Span<T>(ci, n).Clear();
            else if (beta != T.One) for (int j = 0; j < n; j++) ci[j] *= beta;
            if (!transB)
            {
                // c[i, :] += a[i, p] * b[p, :] over p: rows of B streamed with full-width vectors.
                for (int p = 0; p < k; p++)
                {
                    T av = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                    if (av == T.Zero) continue;
                    T* bp = b + (long)p * ldb;
                    var va = new Vector<T>(av);
                    int j = 0;
                    for (; j <= n - vw; j += vw)
                        (System.Runtime.CompilerServices.Unsafe.Read<Vector<T>>(ci + j) + va * System.Runtime.CompilerServices.Unsafe.Read<Vector<T>>(bp + j))
                            .Store(ci + j);
                    for (; j < n; j++) ci[j] += av * bp[j];
                }
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    T* bj = b + (long)j * ldb;
                    T s = T.Zero;
                    if (!transA)
                    {
                        T* ai = a + (long)i * lda;
                        var acc = Vector<T>.Zero;
                        int p = 0;
                        for (; p <= k - vw; p += vw)
                            acc += System.Runtime.CompilerServices.Unsafe.Read<Vector<T>>(ai + p) * System.Runtime.CompilerServices.Unsafe.Read<Vector<T>>(bj + p);
                        s = Vector.Sum(acc);
                        for (; p < k; p++) s += ai[p] * bj[p];
                    }
                    else
                    {
                        for (int p = 0; p < k; p++) s += a[(long)p * lda + i] * bj[p];
                    }
                    ci[j] += s;
                }
            }
        }
    }
}
