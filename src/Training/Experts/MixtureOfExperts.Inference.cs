using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Experts;

/// <content>Inference with top-k routing, computed natively.</content>
public sealed partial class MixtureOfExperts
{
    /// <summary>
    /// Sparse inference with top-k routing, computed natively outside the graph: each row goes to the
    /// <paramref name="topK"/> experts with the largest gate probabilities (the lower index first on ties), whose
    /// probabilities are renormalised to sum to 1; only those experts are evaluated, grouped by expert so that each
    /// expert runs one matrix product per layer over all of its rows. With a one-hot gate this equals
    /// <see cref="Predict"/>, and with <paramref name="topK"/> = K it always does (up to rounding).
    /// </summary>
    /// <param name="features">Features [N, D].</param>
    /// <param name="topK">How many experts each row is routed to, 1 to K.</param>
    /// <param name="threads">Threads for matrix products; 0 uses every core.</param>
    public ExpertPredictions PredictTopK(Tensor features, int topK, int threads = 0)
    {
        CheckFeatures(features);
        int k = Experts;
        if (topK < 1 || topK > k)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"Top-k routing needs 1 <= k <= {k} experts.");
        }

        int n = features.Shape[0], d = Inputs, c = Classes;
        var gate = new Tensor(n, k);
        int gateWidth = _gate.Layers.Max(layer => layer.Outputs);
        RowKernels.Softmax(GateLogitsNative(features.Span, n, new float[n * gateWidth], new float[n * gateWidth], threads), n, k, gate.Span);

        // Route: the chosen experts and their renormalised weights, pair p = row * topK + j.
        int pairs = n * topK;
        var pairExpert = new int[pairs];
        var pairWeight = new float[pairs];
        var counts = new int[k];
        var taken = new bool[k];
        for (int r = 0; r < n; r++)
        {
            var p = gate.Span.Slice(r * k, k);
            Array.Clear(taken);
            float total = 0f;
            for (int j = 0; j < topK; j++)
            {
                int best = -1;
                for (int e = 0; e < k; e++)
                {
                    if (!taken[e] && (best < 0 || p[e] > p[best]))
                    {
                        best = e;
                    }
                }

                taken[best] = true;
                pairExpert[(r * topK) + j] = best;
                pairWeight[(r * topK) + j] = p[best];
                total += p[best];
                counts[best]++;
            }

            for (int j = 0; j < topK; j++)
            {
                pairWeight[(r * topK) + j] /= total;
            }
        }

        // Group the pairs by expert (counting sort, stable in row order).
        var start = new int[k + 1];
        for (int e = 0; e < k; e++)
        {
            start[e + 1] = start[e] + counts[e];
        }

        var order = new int[pairs];
        var fill = (int[])start.Clone();
        for (int p = 0; p < pairs; p++)
        {
            order[fill[pairExpert[p]]++] = p;
        }

        int maxRows = counts.Max();
        int maxWidth = _expertWidths.Skip(1).Max();
        var rowsIn = new float[maxRows * d];
        var bufferA = new float[maxRows * maxWidth];
        var bufferB = new float[maxRows * maxWidth];
        var probabilities = new Tensor(n, c);
        var x = features.Span;
        var output = probabilities.Span;
        for (int e = 0; e < k; e++)
        {
            int m = counts[e];
            if (m == 0)
            {
                continue;
            }

            for (int i = 0; i < m; i++)
            {
                int row = order[start[e] + i] / topK;
                x.Slice(row * d, d).CopyTo(rowsIn.AsSpan(i * d, d));
            }

            var logits = RunExpertNative(e, rowsIn.AsSpan(0, m * d), m, bufferA, bufferB, threads);
            RowKernels.Softmax(logits, m, c, logits);
            for (int i = 0; i < m; i++)
            {
                int pair = order[start[e] + i];
                var dst = output.Slice(pair / topK * c, c);
                TensorPrimitives.MultiplyAdd(logits.Slice(i * c, c), pairWeight[pair], dst, dst);
            }
        }

        return new ExpertPredictions(probabilities, gate);
    }

    /// <summary>
    /// The gate's logits [rows, K], its layers run alternately into <paramref name="bufferA"/> and
    /// <paramref name="bufferB"/> (each at least rows times the widest gate layer); the result lies in one of them.
    /// </summary>
    private Span<float> GateLogitsNative(ReadOnlySpan<float> features, int rows, float[] bufferA, float[] bufferB, int threads)
    {
        ReadOnlySpan<float> current = features;
        Span<float> output = default;
        var layers = _gate.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            output = (l % 2 == 0 ? bufferA : bufferB).AsSpan(0, rows * layer.Outputs);
            AffineRows(current, rows, layer.Inputs, layer.Weight.Value.Span, transposeWeight: true, layer.Bias is { } bias ? bias.Value.Span : Span<float>.Empty, layer.Outputs, output, threads);
            if (l < layers.Count - 1)
            {
                ActivationKernels.ApplyInPlace(Architecture.Activation, output);
            }

            current = output;
        }

        return output;
    }

    /// <summary>Expert <paramref name="expert"/>'s class logits [rows, C] for the gathered rows, in one of the two buffers.</summary>
    private Span<float> RunExpertNative(int expert, ReadOnlySpan<float> input, int rows, float[] bufferA, float[] bufferB, int threads)
    {
        ReadOnlySpan<float> current = input;
        Span<float> output = default;
        int layers = _expertWeights.Length;
        for (int l = 0; l < layers; l++)
        {
            int inWidth = _expertWidths[l], outWidth = _expertWidths[l + 1];
            output = (l % 2 == 0 ? bufferA : bufferB).AsSpan(0, rows * outWidth);
            var weight = _expertWeights[l].Value.Span.Slice(expert * inWidth * outWidth, inWidth * outWidth);
            var bias = _expertBiases[l].Value.Span.Slice(expert * outWidth, outWidth);

            // Layer 0 slices a Linear weight [Out, In]; later layers slice [In, Out] matrices.
            AffineRows(current, rows, inWidth, weight, transposeWeight: l == 0, bias, outWidth, output, threads);
            if (l < layers - 1)
            {
                ActivationKernels.ApplyInPlace(Architecture.Activation, output);
            }

            current = output;
        }

        return output;
    }

    /// <summary>output [rows, out] = input [rows, in] * W (+ bias), W stored [out, in] (transposed) or [in, out].</summary>
    private static void AffineRows(ReadOnlySpan<float> input, int rows, int inWidth, ReadOnlySpan<float> weight, bool transposeWeight, ReadOnlySpan<float> bias, int outWidth, Span<float> output, int threads)
    {
        float beta = 0f;
        if (!bias.IsEmpty)
        {
            for (int r = 0; r < rows; r++)
            {
                bias.CopyTo(output.Slice(r * outWidth, outWidth));
            }

            beta = 1f;
        }

        Gemm.Multiply(false, transposeWeight, rows, outWidth, inWidth, 1f, input, inWidth, weight, transposeWeight ? inWidth : outWidth, beta, output, outWidth, threads);
    }

    private void CheckFeatures(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank != 2 || features.Shape[1] != Inputs)
        {
            throw new ArgumentException($"Expected features [N, {Inputs}]; got [{string.Join(", ", features.ShapeArray())}].", nameof(features));
        }
    }
}
