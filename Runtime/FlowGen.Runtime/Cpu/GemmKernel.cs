// Single-precision GEMM, row-major: C[M,N] = alpha * op(A) * op(B) + beta * C (BLAS sgemm semantics:
// beta == 0 overwrites C without reading it). Parallel items are fixed blocks of rows of C, and every
// element's sum runs over k in ascending order, so results are identical for any thread count.
namespace FlowGen.Runtime.Cpu;

/// <summary>Row-major single-precision matrix multiply with optional transposes.</summary>
internal static unsafe class GemmKernel
{
    /// <summary>C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C. op(A) is A[m,k] (lda >= k) or,
    /// transposed, A[k,m] (lda >= m); likewise B. Leading dimensions are in elements.</summary>
    public static void Run(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc, WorkerPool pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentNullException.ThrowIfNull(pool);
        if (lda < Math.Max(1, transA ? m : k)) throw new ArgumentOutOfRangeException(nameof(lda), $"lda {lda} is smaller than the row length of A.");
        if (ldb < Math.Max(1, transB ? k : n)) throw new ArgumentOutOfRangeException(nameof(ldb), $"ldb {ldb} is smaller than the row length of B.");
        if (ldc < Math.Max(1, n)) throw new ArgumentOutOfRangeException(nameof(ldc), $"ldc {ldc} is smaller than n.");
        if (m == 0 || n == 0) return;
        if (c == null || (k > 0 && (a == null || b == null))) throw new ArgumentNullException(c == null ? nameof(c) : a == null ? nameof(a) : nameof(b));
        RunCore(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool);
    }

    internal static void RunCore(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc, WorkerPool pool)
    {
        var job = GemmJob.Rent();
        job.Set(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        pool.For(job, (m + GemmJob.RowsPerItem - 1) / GemmJob.RowsPerItem);
        job.Clear();
    }

    // The preallocated per-thread job object: GEMM is a static API, so its dispatch state lives here.
    private sealed class GemmJob : IParallelJob
    {
        public const int RowsPerItem = 4;
        [ThreadStatic] private static GemmJob? t_job;
        private bool _transA, _transB;
        private int _m, _n, _k, _lda, _ldb, _ldc;
        private float _alpha, _beta;
        private float* _a, _b, _c;

        public static GemmJob Rent() => t_job ??= new GemmJob();

        public void Set(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
            float* b, int ldb, float beta, float* c, int ldc)
        {
            (_transA, _transB, _m, _n, _k, _alpha, _lda, _ldb, _beta, _ldc) =
                (transA, transB, m, n, k, alpha, lda, ldb, beta, ldc);
            _a = a; _b = b; _c = c;
        }

        public void Clear() { _a = _b = _c = null; }

        public void Execute(int index)
        {
            int i0 = index * RowsPerItem, i1 = Math.Min(_m, i0 + RowsPerItem);
            for (int i = i0; i < i1; i++) Row(i);
        }

        // Row i of C: scale by beta, then add alpha*A[i,p]*B[p,:] for p ascending (TensorPrimitives SIMD).
        private void Row(int i)
        {
            var ci = new Span<float>(_c + (long)i * _ldc, _n);
            if (_beta == 0f) ci.Clear();
            else if (_beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(ci, _beta, ci);
            if (!_transB)
            {
                for (int p = 0; p < _k; p++)
                {
                    float aip = _alpha * (_transA ? _a[(long)p * _lda + i] : _a[(long)i * _lda + p]);
                    var bp = new ReadOnlySpan<float>(_b + (long)p * _ldb, _n);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(bp, aip, ci, ci);
                }
                return;
            }
            for (int j = 0; j < _n; j++)
            {
                float acc = 0f;
                float* bj = _b + (long)j * _ldb;
                for (int p = 0; p < _k; p++)
                    acc += (_transA ? _a[(long)p * _lda + i] : _a[(long)i * _lda + p]) * bj[p];
                ci[j] += _alpha * acc;
            }
        }
    }
}
