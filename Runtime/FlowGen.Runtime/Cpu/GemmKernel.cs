// Single-precision GEMM, row-major: C[M,N] = alpha * op(A) * op(B) + beta * C (BLAS sgemm semantics:
// beta == 0 overwrites C without reading it). Runs on GemmMicroKernel: C is cut into a fixed grid of
// items (32 rows x 4 column blocks of 3 registers each; A is packed once per item and chunk, each B panel
// once per item, chunk and column block), K in chunks of 128 accumulated into C; columns past the last full register are a scalar
// tail. The grid never depends on the thread count and every element's sum runs over k in the same
// order, so results are identical for any thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FlowGen.Runtime.Cpu;

/// <summary>Row-major single-precision matrix multiply with optional transposes.</summary>
internal static unsafe class GemmKernel
{
    private const int KChunk = 128, RowTiles = 8, BlocksPerItem = 4;

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
        if ((long)k * Math.Max(ldb, 1) > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(k), "B is larger than 2^31 elements.");
        if (m == 0 || n == 0) return;
        if (c == null || (k > 0 && (a == null || b == null))) throw new ArgumentNullException(c == null ? nameof(c) : a == null ? nameof(a) : nameof(b));
        RunCore(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool);
    }

    /// <summary><see cref="Run"/> without argument checks (callers that validated shapes at plan time).</summary>
    internal static void RunCore(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc, WorkerPool pool)
    {
        var job = GemmJob.Rent();
        job.Set(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (2L * m * n * k < Conv2dKernel.ParallelMinFlops) pool = WorkerPool.Serial;  // same split, on the caller
        pool.For(job, job.Items);
        job.Clear();
    }

    /// <summary>Floats per register GemmKernel uses for <paramref name="n"/> columns (16, 8, 4 or 1).</summary>
    internal static int Width(int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= 16) return 16;
        if (Vector256.IsHardwareAccelerated && n >= 8) return 8;
        if (Vector128.IsHardwareAccelerated && n >= 4) return 4;
        return 1;
    }

    /// <summary>The vector registers the kernels run on here, for benchmark headers: timings on an AVX2 machine and on an
    /// AVX-512 one of the same core count differ by about 2x.</summary>
    internal static string VectorIsa => Width(int.MaxValue) switch
    {
        16 => "512-bit vectors (AVX-512)",
        8 => "256-bit vectors (AVX2)",
        4 => "128-bit vectors",
        _ => "scalar",
    };

    // The dispatch state of one GEMM; one object per calling thread, reused (GEMM is a static API).
    [SkipLocalsInit]
    private sealed class GemmJob : IParallelJob
    {
        [ThreadStatic] private static GemmJob? t_job;
        private bool _transA, _transB;
        private int _m, _n, _k, _lda, _ldb, _ldc, _width, _segs, _colBlocks, _rowBlocks;
        private float _alpha, _beta;
        private float* _a, _b, _c;

        public static GemmJob Rent() => t_job ??= new GemmJob();

        private int ColGroups => (_colBlocks + BlocksPerItem - 1) / BlocksPerItem;

        /// <summary>Items: column groups (plus one scalar tail group when n is not a multiple of the width) x row blocks.</summary>
        public int Items => (ColGroups + (_segs * _width < _n ? 1 : 0)) * _rowBlocks;

        public void Set(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
            float* b, int ldb, float beta, float* c, int ldc)
        {
            (_transA, _transB, _m, _n, _k, _alpha, _lda, _ldb, _beta, _ldc) =
                (transA, transB, m, n, k, alpha, lda, ldb, beta, ldc);
            _a = a; _b = b; _c = c;
            _width = Width(n);
            _segs = _width == 1 ? 0 : n / _width;   // width 1: everything is the scalar tail
            _colBlocks = (_segs + GemmMicroKernel.Segments - 1) / GemmMicroKernel.Segments;
            _rowBlocks = (m + RowTiles * GemmMicroKernel.Rows - 1) / (RowTiles * GemmMicroKernel.Rows);
        }

        public void Clear() { _a = _b = _c = null; }

        public void Execute(int index)
        {
            int group = index / _rowBlocks, rowBlock = index % _rowBlocks;
            int i0 = rowBlock * RowTiles * GemmMicroKernel.Rows, i1 = Math.Min(_m, i0 + RowTiles * GemmMicroKernel.Rows);
            if (group == ColGroups)
            {
                ScalarTail(i0, i1, _segs * _width);
                return;
            }
            switch (_width)
            {
                case 16: Block<Vector512<float>, GemmVector512>(group, i0, i1); break;
                case 8: Block<Vector256<float>, GemmVector256>(group, i0, i1); break;
                default: Block<Vector128<float>, GemmVector128>(group, i0, i1); break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Block<TV, TOps>(int group, int i0, int i1) where TV : struct where TOps : struct, IGemmVector<TV>
        {
            const int R = GemmMicroKernel.Rows, V = GemmMicroKernel.Segments;
            int w = TOps.Count, tiles = (i1 - i0 + R - 1) / R;
            int cb0 = group * BlocksPerItem, cb1 = Math.Min(_colBlocks, cb0 + BlocksPerItem);
            float* tile = stackalloc float[R * V * 16];
            float* panelA = stackalloc float[RowTiles * KChunk * R];   // 16 KB: [tile][kc][4]
            int* koff = stackalloc int[KChunk];
            float* panelB = stackalloc float[KChunk * V * 16];          // 24 KB: [kc][3w]
            for (int p0 = 0; p0 < _k || p0 == 0; p0 += KChunk)
            {
                int kc = Math.Max(0, Math.Min(KChunk, _k - p0));
                PackA(panelA, i0, i1, p0, kc);
                float betaEff = p0 == 0 ? _beta : 1f;
                TV alpha = TOps.Splat(_alpha), beta = TOps.Splat(betaEff);
                for (int cb = cb0; cb < cb1; cb++)
                {
                    int s0 = cb * V, valid = Math.Min(V, _segs - s0), j0 = s0 * w, cols = valid * w;
                    // B rows of this chunk packed as [kc][3w]: contiguous, and free of the cache-set aliasing
                    // a power-of-two ldb gives when B is read in place.
                    for (int p = 0; p < kc; p++)
                    {
                        koff[p] = p * V * w;
                        float* dst = panelB + p * V * w;
                        if (!_transB) new ReadOnlySpan<float>(_b + (long)(p0 + p) * _ldb + j0, cols).CopyTo(new Span<float>(dst, cols));
                        else for (int j = 0; j < cols; j++) dst[j] = _b[(long)(j0 + j) * _ldb + p0 + p];
                    }
                    float* b0 = panelB, b1 = panelB + Math.Min(1, valid - 1) * w, b2 = panelB + Math.Min(2, valid - 1) * w;
                    for (int t = 0; t < tiles; t++)
                    {
                        int r0 = i0 + t * R, rows = Math.Min(R, i1 - r0);
                        GemmMicroKernel.Tile<TV, TOps>(panelA + t * KChunk * R, kc, koff, b0, b1, b2, null, tile);
                        for (int r = 0; r < rows; r++)
                        {
                            float* cr = _c + (long)(r0 + r) * _ldc + j0;
                            for (int v = 0; v < valid; v++)
                            {
                                TV acc = TOps.Load(tile + (r * V + v) * w);
                                TV result = betaEff == 0f
                                    ? TOps.MulAdd(alpha, acc, TOps.Zero)
                                    : TOps.MulAdd(alpha, acc, TOps.MulAdd(beta, TOps.Load(cr + v * w), TOps.Zero));
                                TOps.Store(cr + v * w, result);
                            }
                        }
                    }
                }
                if (_k == 0) break;
            }
        }

        // Rows [i0, i1) x columns [p0, p0+kc) of op(A) as [tile][kc][4], rows past i1 zero.
        private void PackA(float* panel, int i0, int i1, int p0, int kc)
        {
            const int R = GemmMicroKernel.Rows;
            int tiles = (i1 - i0 + R - 1) / R;
            for (int t = 0; t < tiles; t++)
            {
                float* dst = panel + t * KChunk * R;
                for (int r = 0; r < R; r++)
                {
                    int i = i0 + t * R + r;
                    if (i >= i1)
                    {
                        for (int p = 0; p < kc; p++) dst[p * R + r] = 0f;
                        continue;
                    }
                    if (_transA) for (int p = 0; p < kc; p++) dst[p * R + r] = _a[(long)(p0 + p) * _lda + i];
                    else
                    {
                        float* src = _a + (long)i * _lda + p0;
                        for (int p = 0; p < kc; p++) dst[p * R + r] = src[p];
                    }
                }
            }
        }

        // Columns [j0, n): plain float dot products over k ascending.
        private void ScalarTail(int i0, int i1, int j0)
        {
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < _n; j++)
                {
                    float acc = 0f;
                    for (int p = 0; p < _k; p++)
                    {
                        float aip = _transA ? _a[(long)p * _lda + i] : _a[(long)i * _lda + p];
                        float bpj = _transB ? _b[(long)j * _ldb + p] : _b[(long)p * _ldb + j];
                        acc += aip * bpj;
                    }
                    float* cij = _c + (long)i * _ldc + j;
                    *cij = _beta == 0f ? _alpha * acc : _alpha * acc + _beta * *cij;
                }
        }
    }
}
