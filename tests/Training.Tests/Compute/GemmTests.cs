using MLNetMixture.Training.Compute;

namespace MLNetMixture.Training.Tests.Compute;

public sealed class GemmTests
{
    private static readonly (bool TransposeA, bool TransposeB)[] AllTransposes =
        [(false, false), (false, true), (true, false), (true, true)];

    public static TheoryData<bool, bool, int, int, int> OddShapes()
    {
        var data = new TheoryData<bool, bool, int, int, int>();
        (int M, int N, int K)[] shapes =
        [
            (1, 1, 1), (1, 7, 1), (7, 1, 17), (1, 1, 129), (7, 17, 33), (17, 7, 5), (5, 16, 6), (6, 16, 6),
            (12, 32, 8), (13, 33, 65), (33, 65, 7), (65, 129, 17), (129, 33, 65), (17, 129, 129), (64, 64, 64),
            (65, 65, 65), (150, 20, 11), (3, 300, 9), (2, 3, 600), (300, 31, 290),
        ];
        foreach (var (ta, tb) in AllTransposes)
        {
            foreach (var (m, n, k) in shapes)
            {
                data.Add(ta, tb, m, n, k);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OddShapes))]
    public void Matches_float64_reference_for_every_transpose_and_odd_size(bool ta, bool tb, int m, int n, int k)
    {
        var problem = new Problem(ta, tb, m, n, k, seed: (m * 131) + (n * 17) + k);
        problem.Check(alpha: 1f, beta: 0f, threads: 1);
        problem.Check(alpha: 1f, beta: 0f, threads: 2);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Honours_leading_dimensions_wider_than_the_matrix_and_leaves_the_gaps_alone(bool ta, bool tb)
    {
        var problem = new Problem(ta, tb, m: 37, n: 29, k: 45, seed: 5, padA: 3, padB: 11, padC: 7);
        problem.Check(alpha: 0.75f, beta: 0.5f, threads: 2);
        problem.Check(alpha: 1f, beta: 1f, threads: 1);
    }

    [Theory]
    [InlineData(1f, 0f)]
    [InlineData(-0.5f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(2f, -0.75f)]
    [InlineData(-1.5f, 3f)]
    [InlineData(0f, 0.5f)]
    [InlineData(0f, 0f)]
    public void Applies_alpha_and_beta(float alpha, float beta)
    {
        foreach (var (ta, tb) in AllTransposes)
        {
            new Problem(ta, tb, m: 23, n: 41, k: 300, seed: 11).Check(alpha, beta, threads: 1);
            new Problem(ta, tb, m: 70, n: 90, k: 60, seed: 12).Check(alpha, beta, threads: 2);
        }
    }

    [Fact]
    public void Beta_zero_overwrites_NaN_and_infinity_in_C()
    {
        foreach (var (ta, tb) in AllTransposes)
        {
            foreach (int threads in new[] { 1, 2 })
            {
                var problem = new Problem(ta, tb, m: 67, n: 70, k: 66, seed: 3, padC: 2);
                Array.Fill(problem.C, float.NaN);
                problem.C[5] = float.PositiveInfinity;
                problem.Check(alpha: 1.25f, beta: 0f, threads);
                for (int i = 0; i < 67; i++)
                {
                    Assert.All(problem.Result.AsSpan(i * 72, 70).ToArray(), v => Assert.True(float.IsFinite(v)));
                }

                // The two padding columns of each row are not part of C and keep their NaN.
                Assert.True(float.IsNaN(problem.Result[70]) && float.IsNaN(problem.Result[71]));
            }
        }
    }

    [Fact]
    public void Zero_depth_scales_C_by_beta()
    {
        float[] c = [1f, 2f, 3f, 4f, 5f, 6f];
        Gemm.Multiply(false, false, 2, 3, 0, 1f, ReadOnlySpan<float>.Empty, 0, ReadOnlySpan<float>.Empty, 3, 0.5f, c, 3);
        Assert.Equal(new[] { 0.5f, 1f, 1.5f, 2f, 2.5f, 3f }, c);

        c = [float.NaN, 2f, 3f, 4f, 5f, 6f];
        Gemm.Multiply(false, false, 2, 3, 0, 1f, ReadOnlySpan<float>.Empty, 0, ReadOnlySpan<float>.Empty, 3, 0f, c, 3);
        Assert.All(c, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(false, false, 130, 70, 90)]
    [InlineData(false, true, 512, 128, 43)]
    [InlineData(true, false, 43, 128, 512)]
    [InlineData(true, true, 61, 200, 77)]
    [InlineData(false, false, 300, 517, 260)]
    public void Results_are_bit_identical_for_any_thread_count(bool ta, bool tb, int m, int n, int k)
    {
        var problem = new Problem(ta, tb, m, n, k, seed: m + n + k);
        float[] one = problem.Compute(0.9f, 0.3f, threads: 1);
        foreach (int threads in new[] { 2, 3, 4, 7 })
        {
            float[] many = problem.Compute(0.9f, 0.3f, threads);
            Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), many.Select(BitConverter.SingleToInt32Bits));
        }

        problem.Check(0.9f, 0.3f, threads: 2);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Packed_and_in_place_A_give_bit_identical_results(bool ta, bool tb)
    {
        foreach (var (m, n, k) in new[] { (301, 45, 290), (7, 200, 13), (150, 130, 600) })
        {
            var packed = new Problem(ta, tb, m, n, k, seed: 9, padA: 5) { PackA = true };
            var inPlace = new Problem(ta, tb, m, n, k, seed: 9, padA: 5) { PackA = false };
            float[] x = packed.Compute(1.1f, 0.7f, threads: 2), y = inPlace.Compute(1.1f, 0.7f, threads: 1);
            Assert.Equal(x.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            inPlace.Check(1.1f, 0.7f, threads: 2);
        }
    }

    [Theory]
    [InlineData((int)GemmVectorWidth.Bits128, true)]
    [InlineData((int)GemmVectorWidth.Bits128, false)]
    [InlineData((int)GemmVectorWidth.Bits256, true)]
    [InlineData((int)GemmVectorWidth.Bits256, false)]
    [InlineData((int)GemmVectorWidth.Bits512, true)]
    [InlineData((int)GemmVectorWidth.Bits512, false)]
    public void Every_micro_kernel_width_and_A_path_matches_the_reference_and_is_thread_count_independent(int widthValue, bool packA)
    {
        var width = (GemmVectorWidth)widthValue;
        foreach (var (ta, tb) in AllTransposes)
        {
            foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 33, 17), (65, 70, 33), (13, 129, 300) })
            {
                var problem = new Problem(ta, tb, m, n, k, seed: 77 + m, padA: 1, padB: 2, padC: 3) { Width = width, PackA = packA };
                problem.Check(1.5f, 0f, threads: 1);
                problem.Check(-1f, 0.25f, threads: 3);
                float[] one = problem.Compute(0.5f, 1f, threads: 1);
                float[] two = problem.Compute(0.5f, 1f, threads: 2);
                Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), two.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void Every_micro_kernel_width_gives_bit_identical_results_so_narrow_products_may_use_a_narrower_one()
    {
        // WidthFor runs products at most 16 columns wide with the 256-bit kernel: that is only invisible if every
        // kernel does the same arithmetic for each element.
        Assert.Equal(GemmKernel.PreferredWidth == GemmVectorWidth.Bits512 ? GemmVectorWidth.Bits256 : GemmKernel.PreferredWidth, GemmKernel.WidthFor(16));
        Assert.Equal(GemmKernel.PreferredWidth, GemmKernel.WidthFor(17));
        foreach (var (ta, tb) in AllTransposes)
        {
            foreach (var (m, n, k) in new[] { (512, 16, 256), (7, 9, 300), (65, 40, 33) })
            {
                float[]? first = null;
                foreach (var width in new[] { GemmVectorWidth.Bits128, GemmVectorWidth.Bits256, GemmVectorWidth.Bits512 })
                {
                    float[] c = new Problem(ta, tb, m, n, k, seed: 3 + n, padA: 1, padC: 2) { Width = width }.Compute(0.7f, 1f, threads: 1);
                    first ??= c;
                    Assert.Equal(first.Select(BitConverter.SingleToInt32Bits), c.Select(BitConverter.SingleToInt32Bits));
                }
            }
        }
    }

    [Fact]
    public void A_bias_and_relu_epilogue_equals_filling_C_with_the_bias_then_relu_bit_for_bit()
    {
        // Every width and A path, ragged rows and columns, and depths over one block (k > 256: the bias joins the
        // first block, the ReLU the last).
        foreach (var width in new[] { GemmVectorWidth.Bits128, GemmVectorWidth.Bits256, GemmVectorWidth.Bits512 })
        {
            foreach (bool? packA in new bool?[] { null, true, false })
            {
                foreach (var (ta, tb) in AllTransposes)
                {
                    foreach (var (m, n, k) in new[] { (7, 33, 17), (13, 26, 300), (6, 16, 5), (1, 1, 0) })
                    {
                        var random = new Random(m + n + k);
                        float[] a = [.. Enumerable.Range(0, m * Math.Max(k, 1)).Select(_ => (float)(random.NextDouble() - 0.5))];
                        float[] b = [.. Enumerable.Range(0, n * Math.Max(k, 1)).Select(_ => (float)(random.NextDouble() - 0.5))];
                        float[] bias = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))];
                        int lda = ta ? m : Math.Max(k, 1), ldb = tb ? Math.Max(k, 1) : n;
                        foreach (bool relu in new[] { false, true })
                        {
                            float[] expected = new float[m * n];
                            for (int i = 0; i < m; i++)
                            {
                                bias.CopyTo(expected, i * n);
                            }

                            Gemm.Multiply(ta, tb, m, n, k, 1f, a, lda, b, ldb, 1f, expected, n, 1, width, packA);
                            if (relu)
                            {
                                System.Numerics.Tensors.TensorPrimitives.Max(expected, 0f, expected);
                            }

                            float[] got = [.. Enumerable.Repeat(float.NaN, m * n)];
                            foreach (int threads in new[] { 1, 2 })
                            {
                                Gemm.Multiply(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, got, n, bias, relu, threads, width, packA);

                                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), got.Select(BitConverter.SingleToInt32Bits));
                            }
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Narrow_products_computed_transposed_equal_the_direct_product_bit_for_bit()
    {
        // Shapes whose C is narrow and tall enough for the transposed path (a flow conditioner's 44 outputs, its first
        // layer's 21 columns), with padded leading dimensions, every transpose, alpha / beta / bias / ReLU, 1 and 2 threads.
        // The direct product is forced by pinning the A path (packA), which the transposed path never takes.
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Fma.IsSupported && System.Runtime.Intrinsics.X86.Avx.IsSupported, "The transposed path needs AVX and FMA.");
        Assert.False(GemmKernel.TransposedIsCheaper(64, 26, 64, GemmKernel.WidthFor(26)), "a product with little padding stays direct");
        Assert.False(GemmKernel.TransposedIsCheaper(256, 44, 300, GemmKernel.WidthFor(44)), "more than one depth block stays direct");
        foreach (var (m, n, k) in new[] { (256, 44, 128), (128, 21, 256), (300, 44, 200), (160, 21, 250) })
        {
            Assert.True(GemmKernel.TransposedIsCheaper(m, n, k, GemmKernel.WidthFor(n)), $"{m} x {n} x {k} is computed transposed");
            foreach (var (ta, tb) in AllTransposes)
            {
                var random = new Random((m * 7) + n + k + (ta ? 1 : 0) + (tb ? 2 : 0));
                int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
                float[] a = [.. Enumerable.Range(0, (ta ? k : m) * lda).Select(_ => (float)(random.NextDouble() - 0.5))];
                float[] b = [.. Enumerable.Range(0, (tb ? n : k) * ldb).Select(_ => (float)(random.NextDouble() - 0.5))];
                float[] bias = [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5))];
                float[] start = [.. Enumerable.Range(0, m * ldc).Select(_ => (float)(random.NextDouble() - 0.5))];
                foreach (var (alpha, beta, withBias, relu) in new[] { (1f, 0f, false, false), (0.5f, 1f, true, false), (2f, 0.25f, true, true), (1f, 0f, true, true), (-1f, 1f, false, true) })
                {
                    foreach (int threads in new[] { 1, 2 })
                    {
                        float[] direct = (float[])start.Clone(), transposed = (float[])start.Clone();
                        Gemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, direct, ldc, withBias ? bias : [], relu, threads, GemmKernel.WidthFor(n), packA: false);
                        Gemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, transposed, ldc, withBias ? bias : [], relu, threads);
                        Assert.Equal(direct.Select(BitConverter.SingleToInt32Bits), transposed.Select(BitConverter.SingleToInt32Bits));
                    }
                }
            }
        }
    }

    [Fact]
    public void Back_to_back_accumulating_calls_run_every_chunk_exactly_once()
    {
        // beta = 1 accumulation makes a chunk computed twice (or skipped) visible in C.
        const int m = 70, n = 66, k = 66, calls = 400;
        var random = new Random(21);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] serial = new float[m * n], threaded = new float[m * n];
        for (int i = 0; i < calls; i++)
        {
            Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 1f, serial, n, maxThreads: 1);
            Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 1f, threaded, n, maxThreads: 2);
        }

        Assert.Equal(serial.Select(BitConverter.SingleToInt32Bits), threaded.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Concurrent_callers_sharing_the_worker_team_get_their_own_exact_results()
    {
        var problems = Enumerable.Range(0, 6)
            .Select(i => new Problem(i % 2 == 0, i % 3 == 0, 90 + (7 * i), 80 + (5 * i), 70 + (3 * i), seed: 100 + i))
            .ToArray();
        float[][] expected = problems.Select(p => p.Compute(0.8f, 0.6f, threads: 1)).ToArray();
        var results = new float[problems.Length][][];
        Parallel.For(0, problems.Length, new ParallelOptions { MaxDegreeOfParallelism = problems.Length }, i =>
        {
            results[i] = Enumerable.Range(0, 20).Select(_ => problems[i].Compute(0.8f, 0.6f, threads: 2)).ToArray();
        });

        for (int i = 0; i < problems.Length; i++)
        {
            foreach (float[] got in results[i])
            {
                Assert.Equal(expected[i].Select(BitConverter.SingleToInt32Bits), got.Select(BitConverter.SingleToInt32Bits));
            }
        }
    }

    [Fact]
    public void Rejects_a_leading_dimension_narrower_than_the_matrix()
    {
        float[] a = new float[12], b = new float[12], c = new float[9];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 3, 4, 1f, a, 3, b, 3, 0f, c, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 3, 4, 1f, a, 4, b, 3, 0f, c, 2));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 3, 4, 1f, a, 4, new float[11], 3, 0f, c, 3));
    }

    /// <summary>Random operands for one GEMM shape, with an optional micro-kernel pin.</summary>
    private sealed class Problem
    {
        private readonly bool ta, tb;
        private readonly int m, n, k, lda, ldb, ldc;
        private readonly float[] a, b;

        public Problem(bool ta, bool tb, int m, int n, int k, int seed, int padA = 0, int padB = 0, int padC = 0)
        {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            var random = new Random(seed);
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            lda = aCols + padA;
            ldb = bCols + padB;
            ldc = n + padC;
            a = Fill(random, aRows * lda);
            b = Fill(random, bRows * ldb);
            C = Fill(random, m * ldc);
            Result = [];
        }

        public GemmVectorWidth? Width { get; init; }

        public bool? PackA { get; init; }

        /// <summary>Initial C (modifiable before a check).</summary>
        public float[] C { get; }

        /// <summary>C after the last <see cref="Check"/>.</summary>
        public float[] Result { get; private set; }

        public float[] Compute(float alpha, float beta, int threads)
        {
            float[] c = (float[])C.Clone();
            Gemm.Multiply(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, Width ?? GemmKernel.PreferredWidth, PackA);
            return c;
        }

        public void Check(float alpha, float beta, int threads)
        {
            float[] got = Compute(alpha, beta, threads);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < ldc; j++)
                {
                    int at = (i * ldc) + j;
                    if (j >= n)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(C[at]) == BitConverter.SingleToInt32Bits(got[at]), $"padding C[{i},{j}] was written");
                        continue;
                    }

                    double sum = 0, magnitude = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double term = (double)A(i, p) * B(p, j);
                        sum += term;
                        magnitude += Math.Abs(term);
                    }

                    double expected = alpha * sum;
                    magnitude *= Math.Abs(alpha);
                    if (beta != 0f)
                    {
                        expected += (double)beta * C[at];
                        magnitude += Math.Abs((double)beta * C[at]);
                    }

                    // Sequential float32 accumulation: |error| <= gamma_(k+2) * sum of |terms| (u = 2^-24).
                    double tolerance = ((k + 3) * Math.Pow(2, -24) * magnitude) + 1e-30;
                    Assert.True(
                        Math.Abs(got[at] - expected) <= tolerance,
                        $"C[{i},{j}] = {got[at]:R}, expected {expected:R} (tolerance {tolerance:G3}; ta={ta}, tb={tb}, m={m}, n={n}, k={k}, alpha={alpha}, beta={beta}, threads={threads}, width={Width}, packA={PackA})");
                }
            }

            Result = got;
        }

        private float A(int i, int p) => ta ? a[(p * lda) + i] : a[(i * lda) + p];

        private float B(int p, int j) => tb ? b[(j * ldb) + p] : b[(p * ldb) + j];

        private static float[] Fill(Random random, int length)
        {
            float[] values = new float[length];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2) - 1);
            }

            return values;
        }
    }
}
