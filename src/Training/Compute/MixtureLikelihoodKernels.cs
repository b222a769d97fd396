using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MLNetMixture.Training.Compute;

/// <summary>
/// The marginal log-likelihood of a mixture of classifiers, <c>log p(y|x) = log sum_k p(z=k|x) p(y|x,z=k)</c>, from
/// gate log-probabilities [N, K] and expert class logits [N, K, C], and its gradient, each in one pass over the
/// logits. It replaces the expert log-softmax [N, K, C], the label pick, the sum with the gate and the log-sum-exp
/// over the experts: the log-probabilities of the classes that are not the label are never stored.
/// </summary>
/// <remarks>
/// <para>
/// Forward, per row and expert: <c>e_c = exp(logits[k, c] - max_k)</c>, <c>s_k = sum_c e_c</c> and
/// <c>joint_k = log p(z=k|x) + logits[k, y] - max_k - log s_k</c>; then <c>ll = logsumexp_k(joint_k)</c> and the
/// posterior <c>w_k = exp(joint_k - ll)</c>. The exponentials, 1 / s_k and w_k are kept for the backward pass, which
/// then needs no exponential: softmax_c = e_c / s_k.
/// </para>
/// <para>
/// Backward, for an upstream gradient g of the row: <c>d/d log p(z=k|x) = g w_k</c> and
/// <c>d/d logits[k, c] = g w_k (1[c = y] - exp(logits[k, c] - lse_k))</c>.
/// </para>
/// <para>
/// A row whose every joint term is -infinity (the label impossible under every expert) has ll = -infinity and no
/// gradient, as the unfused log-sum-exp gives it. Exponentials are <see cref="NonPositiveExponential"/>'s. Both
/// passes are compiled fully optimised from the first call (a short training run would otherwise spend much of its
/// time in their unoptimised first tier, where the vector helpers are calls).
/// </para>
/// </remarks>
internal static class MixtureLikelihoodKernels
{
    /// <summary>The floats <see cref="Forward"/> keeps for <see cref="Backward"/>: the posterior and the reciprocal sums [N, K] and the exponentials [N, K, C].</summary>
    /// <param name="rows">N.</param>
    /// <param name="experts">K.</param>
    /// <param name="classes">C.</param>
    public static int SavedLength(int rows, int experts, int classes) => rows * experts * (2 + classes);

    /// <summary>Computes the log-likelihood of every row and what the backward pass needs.</summary>
    /// <param name="gateLogProbabilities">log p(z=k|x), [N, K].</param>
    /// <param name="expertLogits">Expert class scores [N, K, C] (normalised here).</param>
    /// <param name="labels">One class in [0, C) per row (checked by the caller).</param>
    /// <param name="experts">K.</param>
    /// <param name="classes">C.</param>
    /// <param name="logLikelihood">Receives log p(y|x), [N].</param>
    /// <param name="saved">Receives <see cref="SavedLength"/> floats for <see cref="Backward"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(
        ReadOnlySpan<float> gateLogProbabilities, ReadOnlySpan<float> expertLogits, ReadOnlySpan<int> labels, int experts, int classes,
        Span<float> logLikelihood, Span<float> saved)
    {
        int rows = labels.Length, cells = rows * experts;
        Check(gateLogProbabilities.Length, expertLogits.Length, rows, experts, classes);
        if (logLikelihood.Length < rows || saved.Length < SavedLength(rows, experts, classes))
        {
            throw new ArgumentException("An output buffer is too short.");
        }

        var posterior = saved[..cells];
        var inverseSums = saved.Slice(cells, cells);
        var exponentials = saved.Slice(2 * cells, cells * classes);
        ref float logits = ref MemoryMarshal.GetReference(expertLogits);
        ref float e = ref MemoryMarshal.GetReference(exponentials);
        ref float w = ref MemoryMarshal.GetReference(posterior);
        ref float sums = ref MemoryMarshal.GetReference(inverseSums);

        // Every expert row's maximum (parked in the posterior buffer) and the row shifted by it; then one exponential
        // over the whole block (a short row's vector tail and reductions cost as much as its exponentials); then the
        // rows' sums.
        for (int cell = 0; cell < cells; cell++)
        {
            nint at = (nint)cell * classes;
            ref float row = ref Unsafe.Add(ref logits, at);
            float max = ShortRows.Max(ref row, classes);
            Unsafe.Add(ref w, cell) = max;
            ShortRows.Shift(ref row, classes, max, ref Unsafe.Add(ref e, at));
        }

        NonPositiveExponential.InPlace(exponentials);
        for (int cell = 0; cell < cells; cell++)
        {
            Unsafe.Add(ref sums, cell) = ShortRows.Sum(ref Unsafe.Add(ref e, (nint)cell * classes), classes);
        }

        // log p(y|x,z=k) = logits[k, y] - max_k - log(sum_k), one vectorised log for the block.
        // (Chunks of whole rows, so no cell index is divided to find its row.)
        int rowsPerChunk = Math.Max(1, 1024 / experts);
        Span<float> logSum = stackalloc float[Math.Min(rows, rowsPerChunk) * experts];
        for (int first = 0; first < rows; first += rowsPerChunk)
        {
            int chunkRows = Math.Min(rowsPerChunk, rows - first), start = first * experts;
            var block = logSum[..(chunkRows * experts)];
            TensorPrimitives.Log(inverseSums.Slice(start, block.Length), block);
            for (int r = first, cell = start; r < first + chunkRows; r++)
            {
                int label = labels[r];
                for (int k = 0; k < experts; k++, cell++)
                {
                    float picked = Unsafe.Add(ref logits, ((nint)cell * classes) + label);
                    Unsafe.Add(ref w, cell) = gateLogProbabilities[cell] + (picked - Unsafe.Add(ref w, cell) - block[cell - start]);
                }
            }
        }

        TensorPrimitives.Reciprocal(inverseSums, inverseSums);

        // ll = logsumexp_k(joint_k) and the posterior w_k = exp(joint_k - ll), in place of the joint terms.
        for (int r = 0; r < rows; r++)
        {
            ref float joint = ref Unsafe.Add(ref w, r * experts);
            float max = ShortRows.Max(ref joint, experts);
            if (float.IsNegativeInfinity(max))
            {
                logLikelihood[r] = float.NegativeInfinity;
                posterior.Slice(r * experts, experts).Clear();
                continue;
            }

            float sum = ShortRows.StoreExponentials(ref joint, experts, max, ref joint);
            logLikelihood[r] = max + MathF.Log(sum);
            ShortRows.AddScaled(ref joint, experts, 1f / sum, ref joint, accumulate: false);
        }
    }

    /// <summary>
    /// Adds the gradient of <c>sum_r upstream[r] * ll[r]</c> to the gate log-probabilities' gradient and adds it to (or
    /// writes it into) the expert logits' gradient.
    /// </summary>
    /// <param name="labels">The forward pass's labels.</param>
    /// <param name="experts">K.</param>
    /// <param name="classes">C.</param>
    /// <param name="saved">What <see cref="Forward"/> kept.</param>
    /// <param name="upstream">d objective / d ll, [N].</param>
    /// <param name="gateGradient">The gate log-probabilities' gradient [N, K], added to; empty when not wanted.</param>
    /// <param name="logitGradient">The expert logits' gradient [N, K, C]; empty when not wanted.</param>
    /// <param name="overwriteLogitGradient">Write <paramref name="logitGradient"/> instead of adding to it.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(
        ReadOnlySpan<int> labels, int experts, int classes, ReadOnlySpan<float> saved, ReadOnlySpan<float> upstream,
        Span<float> gateGradient, Span<float> logitGradient, bool overwriteLogitGradient)
    {
        int rows = labels.Length, cells = rows * experts;
        if (experts <= 0 || classes <= 0 || saved.Length < SavedLength(rows, experts, classes) || upstream.Length < rows
            || (!gateGradient.IsEmpty && gateGradient.Length < cells) || (!logitGradient.IsEmpty && logitGradient.Length < cells * classes))
        {
            throw new ArgumentException("A buffer is too short.");
        }

        var posterior = saved[..cells];
        var inverseSums = saved.Slice(cells, cells);
        ref float e = ref MemoryMarshal.GetReference(saved.Slice(2 * cells, cells * classes));
        ref float gradient = ref MemoryMarshal.GetReference(logitGradient);
        for (int r = 0; r < rows; r++)
        {
            float g = upstream[r];
            int label = labels[r];
            for (int k = 0; k < experts; k++)
            {
                int cell = (r * experts) + k;
                float a = g * posterior[cell];
                if (!gateGradient.IsEmpty)
                {
                    gateGradient[cell] += a;
                }

                if (logitGradient.IsEmpty)
                {
                    continue;
                }

                // d/d logits[k, c] = a (1[c = y] - softmax_c), softmax_c = e_c / sum.
                nint at = (nint)cell * classes;
                ref float rowGradient = ref Unsafe.Add(ref gradient, at);
                if (a == 0f)
                {
                    if (overwriteLogitGradient)
                    {
                        MemoryMarshal.CreateSpan(ref rowGradient, classes).Clear();
                    }

                    continue;
                }

                ShortRows.AddScaled(ref Unsafe.Add(ref e, at), classes, -a * inverseSums[cell], ref rowGradient, accumulate: !overwriteLogitGradient);
                Unsafe.Add(ref rowGradient, label) += a;
            }
        }
    }

    private static void Check(int gateLength, int logitsLength, int rows, int experts, int classes)
    {
        if (experts <= 0 || classes <= 0 || gateLength != rows * experts || logitsLength != rows * experts * classes)
        {
            throw new ArgumentException($"Expected gate [{rows}, {experts}] and logits [{rows}, {experts}, {classes}]; got {gateLength} and {logitsLength} values.");
        }
    }
}
