using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Autodiff;

/// <content>Matrix products.</content>
public sealed partial class Tape
{
    /// <inheritdoc />
    public Var MatMul(Var a, Var b, bool transposeB = false)
    {
        var av = Value(a);
        var bv = Value(b);
        var (batch, m, k, n, bBatched) = MatMulDims(av, bv, transposeB);
        int[] shape = av.Rank == 3 ? [batch, m, n] : [m, n];
        var y = Rent(shape);
        for (int t = 0; t < batch; t++)
        {
            Gemm.Multiply(
                false, transposeB, m, n, k, 1f,
                av.Span.Slice(t * m * k, m * k), k,
                bBatched ? bv.Span.Slice(t * k * n, k * n) : bv.Span, transposeB ? k : n,
                0f, y.Span.Slice(t * m * n, m * n), n, Threads);
        }

        return Record(new Node(OpKind.MatMul, a.Id, b.Id) { I0 = transposeB ? 1 : 0, NeedsGrad = AnyNeeds(a.Id, b.Id) }, y, owned: true);
    }

    /// <inheritdoc />
    public Var Linear(Var x, Var weight, Var? bias) => Linear(x, weight, bias, relu: false);

    /// <summary>
    /// <c>Relu(Linear(x, weight, bias))</c> as one op: the bias and the ReLU are applied while the matrix product's
    /// tiles are stored, and only the activations are kept (the ReLU's gradient mask is read from them). Values and
    /// gradients equal those of the two ops. Tape only: graphs that export build the two ops
    /// (<see cref="Layers.ActivationExtensions.LinearThen"/> chooses).
    /// </summary>
    /// <param name="x">Inputs [N, In].</param>
    /// <param name="weight">Weight [Out, In].</param>
    /// <param name="bias">Bias [Out], or null.</param>
    public Var LinearRelu(Var x, Var weight, Var? bias) => Linear(x, weight, bias, relu: true);

    /// <inheritdoc />
    public Var GroupedLinear(Var x, Var weight, Var? bias)
    {
        var xv = Value(x);
        var wv = Value(weight);
        string Describe() => $"GroupedLinear of x [{string.Join(", ", xv.ShapeArray())}] and weight [{string.Join(", ", wv.ShapeArray())}]";
        if (xv.Rank != 2 || wv.Rank != 3 || xv.Shape[1] != wv.Shape[0] * wv.Shape[1])
        {
            throw new ArgumentException($"{Describe()}: expected x [N, G*In] and weight [G, In, Out].");
        }

        int rows = xv.Shape[0], groups = wv.Shape[0], inDim = wv.Shape[1], outDim = wv.Shape[2];
        int width = groups * outDim;
        var y = Rent([rows, width]);
        var biasValues = ReadOnlySpan<float>.Empty;
        int biasId = -1;
        if (bias is { } bvar)
        {
            var bv = Value(bvar);
            if (bv.Length != width)
            {
                throw new ArgumentException($"{Describe()}: the bias has {bv.Length} values; expected G*Out = {width}.");
            }

            biasValues = bv.Span;
            biasId = bvar.Id;
        }

        for (int g = 0; g < groups; g++)
        {
            // The group's bias joins the product's tile merge (no fill pass over y first).
            Gemm.Multiply(
                false, false, rows, outDim, inDim, 1f,
                xv.Span[(g * inDim)..], groups * inDim,
                wv.Span.Slice(g * inDim * outDim, inDim * outDim), outDim,
                0f, y.Span[(g * outDim)..], width,
                biasValues.IsEmpty ? default : biasValues.Slice(g * outDim, outDim), relu: false, Threads);
        }

        return Record(new Node(OpKind.GroupedLinear, x.Id, weight.Id, biasId) { NeedsGrad = AnyNeeds(x.Id, weight.Id, biasId) }, y, owned: true);
    }

    private Var Linear(Var x, Var weight, Var? bias, bool relu)
    {
        var xv = Value(x);
        var wv = Value(weight);
        if (xv.Rank != 2 || wv.Rank != 2 || xv.Shape[1] != wv.Shape[1])
        {
            throw new ArgumentException($"Linear expects x [N, In] and weight [Out, In]; got x [{string.Join(", ", xv.ShapeArray())}] and weight [{string.Join(", ", wv.ShapeArray())}].");
        }

        int rows = xv.Shape[0], inDim = xv.Shape[1], outDim = wv.Shape[0];
        var y = Rent([rows, outDim]);
        var biasValues = ReadOnlySpan<float>.Empty;
        int biasId = -1;
        if (bias is { } bvar)
        {
            var bv = Value(bvar);
            if (bv.Length != outDim)
            {
                throw new ArgumentException($"Linear bias has {bv.Length} values; the weight has {outDim} outputs.");
            }

            biasValues = bv.Span;
            biasId = bvar.Id;
        }

        // Bias and ReLU join the product's tile merge (no passes of their own over y).
        Gemm.Multiply(false, true, rows, outDim, inDim, 1f, xv.Span, inDim, wv.Span, inDim, 0f, y.Span, outDim, biasValues, relu, Threads);
        return Record(new Node(OpKind.Linear, x.Id, weight.Id, biasId) { I0 = relu ? 1 : 0, NeedsGrad = AnyNeeds(x.Id, weight.Id, biasId) }, y, owned: true);
    }

    /// <summary>Adds each of the first <paramref name="rows"/> rows of <paramref name="g"/> to <paramref name="sum"/> (a bias's gradient).</summary>
    private static void AddRowsInto(ReadOnlySpan<float> g, int rows, Span<float> sum) => RowKernels.AddColumnSums(g, rows, sum);

    private static (int Batch, int M, int K, int N, bool BBatched) MatMulDims(Tensor a, Tensor b, bool transposeB)
    {
        string Describe() => $"MatMul of [{string.Join(", ", a.ShapeArray())}] and [{string.Join(", ", b.ShapeArray())}]{(transposeB ? " (B transposed)" : string.Empty)}";
        if (a.Rank == 2 && b.Rank == 2)
        {
            int m = a.Shape[0], k = a.Shape[1];
            int kb = transposeB ? b.Shape[1] : b.Shape[0], n = transposeB ? b.Shape[0] : b.Shape[1];
            return kb == k ? (1, m, k, n, false) : throw new ArgumentException($"{Describe()}: inner dimensions differ.");
        }

        if (a.Rank == 3 && (b.Rank == 3 || b.Rank == 2))
        {
            int batch = a.Shape[0], m = a.Shape[1], k = a.Shape[2];
            bool batched = b.Rank == 3;
            if (batched && b.Shape[0] != batch)
            {
                throw new ArgumentException($"{Describe()}: batch dimensions differ.");
            }

            int o = batched ? 1 : 0;
            int kb = transposeB ? b.Shape[o + 1] : b.Shape[o], n = transposeB ? b.Shape[o] : b.Shape[o + 1];
            return kb == k ? (batch, m, k, n, batched) : throw new ArgumentException($"{Describe()}: inner dimensions differ.");
        }

        throw new ArgumentException($"{Describe()}: supported ranks are 2x2, 3x3 and 3x2.");
    }

    private void BackwardMatMul(in Node n, Tensor g)
    {
        var av = _values[n.A];
        var bv = _values[n.B];
        bool tb = n.I0 == 1;
        var (batch, m, k, nn, bBatched) = MatMulDims(av, bv, tb);
        if (Needs(n.A))
        {
            var ga = GradBuffer(n.A);
            for (int t = 0; t < batch; t++)
            {
                // dA = dC * op(B)^T
                Gemm.Multiply(
                    false, !tb, m, k, nn, 1f,
                    g.Span.Slice(t * m * nn, m * nn), nn,
                    bBatched ? bv.Span.Slice(t * k * nn, k * nn) : bv.Span, tb ? k : nn,
                    1f, ga.Span.Slice(t * m * k, m * k), k, Threads);
            }
        }

        if (Needs(n.B))
        {
            var gb = GradBuffer(n.B);
            if (!bBatched && batch > 1)
            {
                // B shared across the batch: treat A as [batch*m, k].
                int rows = batch * m;
                if (tb)
                {
                    Gemm.Multiply(true, false, nn, k, rows, 1f, g.Span, nn, av.Span, k, 1f, gb.Span, k, Threads);
                }
                else
                {
                    Gemm.Multiply(true, false, k, nn, rows, 1f, av.Span, k, g.Span, nn, 1f, gb.Span, nn, Threads);
                }
            }
            else
            {
                for (int t = 0; t < batch; t++)
                {
                    var gsl = g.Span.Slice(t * m * nn, m * nn);
                    var asl = av.Span.Slice(t * m * k, m * k);
                    var bsl = gb.Span.Slice(t * k * nn, k * nn);
                    if (tb)
                    {
                        // B is [N,K]: dB = dC^T * A
                        Gemm.Multiply(true, false, nn, k, m, 1f, gsl, nn, asl, k, 1f, bsl, k, Threads);
                    }
                    else
                    {
                        // dB = A^T * dC
                        Gemm.Multiply(true, false, k, nn, m, 1f, asl, k, gsl, nn, 1f, bsl, nn, Threads);
                    }
                }
            }
        }
    }

    private void BackwardLinear(in Node n, Tensor g, Tensor y)
    {
        var xv = _values[n.A];
        var wv = _values[n.B];
        int rows = xv.Shape[0], inDim = xv.Shape[1], outDim = wv.Shape[0];
        Tensor? masked = null;
        bool biasDone = false;
        if (n.I0 == 1)
        {
            // Fused ReLU: the gradient reaches the product only where the activation is positive; the bias gradient
            // (the masked gradient's column sums) is taken in the same pass.
            masked = Rent(y.Shape);
            if (Needs(n.C))
            {
                MaskedAccumulation.SelectWherePositiveSummingColumns(y.Span, g.Span, masked.Span, outDim, GradBuffer(n.C).Span);
                biasDone = true;
            }
            else
            {
                MaskedAccumulation.SelectWherePositive(y.Span, g.Span, masked.Span);
            }

            g = masked;
        }

        if (Needs(n.A))
        {
            var ga = GradForWrite(n.A, out bool overwrite);
            Gemm.Multiply(false, false, rows, inDim, outDim, 1f, g.Span, outDim, wv.Span, inDim, overwrite ? 0f : 1f, ga.Span, inDim, Threads);
        }

        if (Needs(n.B))
        {
            Gemm.Multiply(true, false, outDim, inDim, rows, 1f, g.Span, outDim, xv.Span, inDim, 1f, GradBuffer(n.B).Span, inDim, Threads);
        }

        if (Needs(n.C) && !biasDone)
        {
            AddRowsInto(g.Span, rows, GradBuffer(n.C).Span);
        }

        if (masked is not null)
        {
            _pool.Return(masked);
        }
    }

    private void BackwardGroupedLinear(in Node n, Tensor g)
    {
        var xv = _values[n.A];
        var wv = _values[n.B];
        int rows = xv.Shape[0], groups = wv.Shape[0], inDim = wv.Shape[1], outDim = wv.Shape[2];
        int width = groups * outDim;
        if (Needs(n.A))
        {
            // dx_g = g_g W_g^T, written into x's gradient in place with strides.
            var ga = GradForWrite(n.A, out bool overwrite);
            for (int k = 0; k < groups; k++)
            {
                Gemm.Multiply(
                    false, true, rows, inDim, outDim, 1f,
                    g.Span[(k * outDim)..], width,
                    wv.Span.Slice(k * inDim * outDim, inDim * outDim), outDim,
                    overwrite ? 0f : 1f, ga.Span[(k * inDim)..], groups * inDim, Threads);
            }
        }

        if (Needs(n.B))
        {
            // dW_g += x_g^T g_g.
            var gw = GradBuffer(n.B).Span;
            for (int k = 0; k < groups; k++)
            {
                Gemm.Multiply(
                    true, false, inDim, outDim, rows, 1f,
                    xv.Span[(k * inDim)..], groups * inDim,
                    g.Span[(k * outDim)..], width,
                    1f, gw.Slice(k * inDim * outDim, inDim * outDim), outDim, Threads);
            }
        }

        if (Needs(n.C))
        {
            AddRowsInto(g.Span, rows, GradBuffer(n.C).Span);
        }
    }
}
