using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Compute;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Experts;

/// <content>Soft inference: the full mixture over every expert, computed natively.</content>
public sealed partial class MixtureOfExperts
{
    /// <summary>
    /// Rows per batch in <see cref="Predict"/>: a multiple of the matrix kernel's 6-row tile, small enough that a
    /// batch's [rows, K*H] hidden activations stay in a core's L2 cache (132 x 8 experts x 64 units is 270 KB).
    /// </summary>
    public const int PredictBatchSize = 132;

    /// <summary>
    /// Soft inference: the full mixture <c>p(y|x) = sum_k p(z=k|x) p(y|x,z=k)</c> over every expert, computed
    /// natively in batches of <see cref="PredictBatchSize"/> rows (on several threads, batches run in parallel;
    /// results do not depend on the thread count). Equal, up to float32 rounding, to exponentiating
    /// <see cref="ClassLogProbabilities"/>, the graph that training differentiates and ONNX export writes.
    /// </summary>
    /// <remarks>
    /// Per batch: the gate's logits and softmax; all experts' first layers as one matrix product [rows, K*W1]; each
    /// later layer one product per expert, read and written in place with strides (no transposes). The last layer's
    /// classes are padded to a multiple of 8 (zero weights, bias -infinity, so padded classes have probability 0)
    /// so that the products run on whole tiles and the mixing runs on whole vectors: per row, the experts' logits are
    /// exponentiated once against the row's largest logit, each expert's block is divided by its own sum and weighted
    /// by its gate probability. An expert whose logits all lie more than ~69 below the row's largest (its sum under
    /// 1e-30) is re-normalised against its own maximum, so no expert's probabilities are lost to underflow.
    /// </remarks>
    /// <param name="features">Features [N, D].</param>
    /// <param name="threads">Threads; 0 uses every core.</param>
    public ExpertPredictions Predict(Tensor features, int threads = 0)
    {
        CheckFeatures(features);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        int n = features.Shape[0], d = Inputs, c = Classes, k = Experts;
        var probabilities = new Tensor(n, c);
        var gate = new Tensor(n, k);
        int batches = (n + PredictBatchSize - 1) / PredictBatchSize;
        int workers = threads == 0 ? Environment.ProcessorCount : threads;
        var plan = new SoftInferencePlan(this);

        void Run(SoftInferenceBuffers buffers, int b)
        {
            int start = b * PredictBatchSize, count = Math.Min(PredictBatchSize, n - start);
            SoftBatch(
                plan,
                features.Span.Slice(start * d, count * d),
                count,
                buffers,
                probabilities.Span.Slice(start * c, count * c),
                gate.Span.Slice(start * k, count * k));
        }

        if (batches <= 1 || workers == 1)
        {
            var buffers = new SoftInferenceBuffers(plan, Math.Min(n, PredictBatchSize));
            for (int b = 0; b < batches; b++)
            {
                Run(buffers, b);
            }

            buffers.Return();
        }
        else
        {
            Parallel.For(
                0,
                batches,
                new ParallelOptions { MaxDegreeOfParallelism = workers },
                () => new SoftInferenceBuffers(plan, PredictBatchSize),
                (b, _, buffers) =>
                {
                    Run(buffers, b);
                    return buffers;
                },
                buffers => buffers.Return());
        }

        return new ExpertPredictions(probabilities, gate);
    }

    /// <summary>
    /// Soft inference through the graph on a <see cref="Tape"/>, in log space with the training operations: the
    /// reference <see cref="Predict"/> is tested against.
    /// </summary>
    internal ExpertPredictions PredictOnGraph(Tensor features)
    {
        CheckFeatures(features);
        int n = features.Shape[0], c = Classes, k = Experts;
        var tape = new Tape(1) { RecordGradients = false };
        var outputs = Forward(tape, tape.Constant(features));
        var logProbabilities = MixtureLogProbabilities(tape, outputs.GateLogProbabilities, outputs.ExpertLogProbabilities);
        var probabilities = new Tensor(n, c);
        var gate = new Tensor(n, k);
        TensorPrimitives.Exp(tape.Value(logProbabilities).Span, probabilities.Span);
        TensorPrimitives.Exp(tape.Value(outputs.GateLogProbabilities).Span, gate.Span);
        tape.Reset();
        return new ExpertPredictions(probabilities, gate);
    }

    /// <summary>One batch of soft inference: class probabilities [rows, C] and gate probabilities [rows, K].</summary>
    private void SoftBatch(SoftInferencePlan plan, ReadOnlySpan<float> x, int rows, SoftInferenceBuffers buffers, Span<float> probabilities, Span<float> gateProbabilities)
    {
        int k = Experts, d = Inputs;

        RowKernels.Softmax(GateLogitsNative(x, rows, buffers.GateA, buffers.GateB, 1), rows, k, gateProbabilities);

        // Experts, [rows, K*W] per layer: the stacked first layer in one product, later layers one per expert.
        int layers = _expertWeights.Length;
        int width = plan.Widths[1];
        var hidden = buffers.Experts[0].AsSpan(0, rows * k * width);
        Gemm.Multiply(false, true, rows, k * width, d, 1f, x, d, plan.Weights[0].Span, d, 0f, hidden, k * width, 1);
        for (int l = 1; l < layers; l++)
        {
            BiasActivationRows(hidden, rows, plan.Biases[l - 1].Span, Architecture.Activation);
            int inWidth = plan.Widths[l], outWidth = plan.Widths[l + 1];
            var next = buffers.Experts[l].AsSpan(0, rows * k * outWidth);
            for (int e = 0; e < k; e++)
            {
                Gemm.Multiply(
                    false, false, rows, outWidth, inWidth, 1f,
                    hidden[(e * inWidth)..], k * inWidth,
                    plan.Weights[l].Span.Slice(e * inWidth * outWidth, inWidth * outWidth), outWidth,
                    0f, next[(e * outWidth)..], k * outWidth, 1);
            }

            hidden = next;
        }

        MixRows(hidden, plan.Biases[layers - 1].Span, gateProbabilities, rows, k, plan.PaddedClasses, Classes, buffers.Exponentials, probabilities);
    }

    /// <summary>Adds the bias to every row of x [rows, bias.Length], then applies the activation, a row at a time (in L1).</summary>
    private static void BiasActivationRows(Span<float> x, int rows, ReadOnlySpan<float> bias, Layers.Activation activation)
    {
        int width = bias.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * width, width);
            if (activation == Layers.Activation.Relu)
            {
                ActivationKernels.AddBiasRelu(row, bias);
            }
            else
            {
                TensorPrimitives.Add(row, bias, row);
                ActivationKernels.ApplyInPlace(activation, row);
            }
        }
    }

    /// <summary>
    /// probabilities[r] = sum_k gate[r, k] softmax(logits[r, k] + bias[k]) over the first <paramref name="classes"/>
    /// of <paramref name="padded"/> (a multiple of 8) columns per expert. The whole batch is shifted by each row's
    /// largest logit, then exponentiated in one call (the exponential dominates this step).
    /// </summary>
    private static void MixRows(ReadOnlySpan<float> logits, ReadOnlySpan<float> bias, ReadOnlySpan<float> gate, int rows, int k, int padded, int classes, float[] scratch, Span<float> probabilities)
    {
        int width = k * padded, vectors = padded / Vector256<float>.Count;
        ref float b0 = ref MemoryMarshal.GetReference(bias);
        ref float s0 = ref MemoryMarshal.GetArrayDataReference(scratch); // [rows, K * padded] exponentials, then [padded] mixture
        ref float mix = ref Unsafe.Add(ref s0, rows * width);
        for (int r = 0; r < rows; r++)
        {
            ref float z = ref Unsafe.Add(ref MemoryMarshal.GetReference(logits), r * width);
            ref float shifted = ref Unsafe.Add(ref s0, r * width);
            var maxVector = Vector256.Create(float.NegativeInfinity);
            for (int i = 0; i < width; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref z, (nuint)i) + Vector256.LoadUnsafe(ref b0, (nuint)i);
                v.StoreUnsafe(ref shifted, (nuint)i);
                maxVector = Vector256.Max(maxVector, v);
            }

            var max = Vector256.Create(HorizontalMax(maxVector));
            for (int i = 0; i < width; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref shifted, (nuint)i) - max).StoreUnsafe(ref shifted, (nuint)i);
            }
        }

        var exponentials = scratch.AsSpan(0, rows * width);
        NonPositiveExponential.InPlace(exponentials);
        for (int r = 0; r < rows; r++)
        {
            ref float ex = ref Unsafe.Add(ref s0, r * width);
            for (int j = 0; j < padded; j += Vector256<float>.Count)
            {
                Vector256<float>.Zero.StoreUnsafe(ref mix, (nuint)j);
            }

            for (int e = 0; e < k; e++)
            {
                ref float block = ref Unsafe.Add(ref ex, e * padded);
                var sumVector = Vector256<float>.Zero;
                for (int j = 0; j < vectors; j++)
                {
                    sumVector += Vector256.LoadUnsafe(ref block, (nuint)(j * Vector256<float>.Count));
                }

                float sum = Vector256.Sum(sumVector);
                if (!(sum >= 1e-30f))
                {
                    // Every logit of this expert is far below the row's largest: normalise against its own.
                    sum = OwnSoftmaxNumerators(logits.Slice((r * width) + (e * padded), padded), bias.Slice(e * padded, padded), exponentials.Slice((r * width) + (e * padded), padded));
                }

                var weight = Vector256.Create(gate[(r * k) + e] / sum);
                for (int j = 0; j < vectors; j++)
                {
                    nuint at = (nuint)(j * Vector256<float>.Count);
                    Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref block, at), weight, Vector256.LoadUnsafe(ref mix, at)).StoreUnsafe(ref mix, at);
                }
            }

            MemoryMarshal.CreateReadOnlySpan(ref mix, classes).CopyTo(probabilities.Slice(r * classes, classes));
        }
    }

    /// <summary>numerators = exp(z + b - max(z + b)); returns their sum (at least 1).</summary>
    private static float OwnSoftmaxNumerators(ReadOnlySpan<float> z, ReadOnlySpan<float> b, Span<float> numerators)
    {
        TensorPrimitives.Add(z, b, numerators);
        TensorPrimitives.Subtract(numerators, TensorPrimitives.Max(numerators), numerators);
        TensorPrimitives.Exp(numerators, numerators);
        return TensorPrimitives.Sum(numerators);
    }

    private static float HorizontalMax(Vector256<float> v)
    {
        var half = Vector128.Max(v.GetLower(), v.GetUpper());
        half = Vector128.Max(half, Vector128.Shuffle(half, Vector128.Create(2, 3, 0, 1)));
        half = Vector128.Max(half, Vector128.Shuffle(half, Vector128.Create(1, 0, 3, 2)));
        return half.ToScalar();
    }

    /// <summary>
    /// The experts' weights laid out for <see cref="SoftBatch"/>, taken when <see cref="Predict"/> starts (training
    /// changes the parameters between calls): the last layer's classes padded to a multiple of 8 with zero weights
    /// and bias -infinity, so padded classes get probability 0.
    /// </summary>
    private sealed class SoftInferencePlan
    {
        public SoftInferencePlan(MixtureOfExperts model)
        {
            Model = model;
            int k = model.Experts, layers = model._expertWeights.Length, classes = model.Classes;
            PaddedClasses = (classes + Vector256<float>.Count - 1) / Vector256<float>.Count * Vector256<float>.Count;
            Widths = [.. model._expertWidths];
            Widths[layers] = PaddedClasses;
            Weights = new ReadOnlyMemory<float>[layers];
            Biases = new ReadOnlyMemory<float>[layers];
            for (int l = 0; l < layers; l++)
            {
                var weight = model._expertWeights[l].Value.Span;
                var bias = model._expertBiases[l].Value.Span;
                int inWidth = model._expertWidths[l], outWidth = model._expertWidths[l + 1], padded = Widths[l + 1];
                if (padded == outWidth)
                {
                    // Read in place: no copy, so a one-row call costs no more than its arithmetic.
                    Weights[l] = model._expertWeights[l].Value.Data.AsMemory(0, weight.Length);
                    Biases[l] = model._expertBiases[l].Value.Data.AsMemory(0, bias.Length);
                    continue;
                }

                // Only the last layer is padded. Layer 0 is [K*Out, In] (rows per output), later ones [K, In, Out].
                var paddedWeight = new float[k * padded * inWidth];
                var paddedBias = new float[k * padded];
                Array.Fill(paddedBias, float.NegativeInfinity);
                for (int e = 0; e < k; e++)
                {
                    bias.Slice(e * outWidth, outWidth).CopyTo(paddedBias.AsSpan(e * padded));
                    if (l == 0)
                    {
                        weight.Slice(e * outWidth * inWidth, outWidth * inWidth).CopyTo(paddedWeight.AsSpan(e * padded * inWidth));
                    }
                    else
                    {
                        for (int i = 0; i < inWidth; i++)
                        {
                            weight.Slice(((e * inWidth) + i) * outWidth, outWidth).CopyTo(paddedWeight.AsSpan(((e * inWidth) + i) * padded));
                        }
                    }
                }

                Weights[l] = paddedWeight;
                Biases[l] = paddedBias;
            }
        }

        public MixtureOfExperts Model { get; }

        /// <summary>Widths per layer boundary: D, hidden widths, padded classes.</summary>
        public int[] Widths { get; }

        public int PaddedClasses { get; }

        /// <summary>Layer 0 [K*W1, D]; later layers [K, In, Out] (the last with padded Out).</summary>
        public ReadOnlyMemory<float>[] Weights { get; }

        /// <summary>Per layer [K*Out], experts side by side (the last with padded Out, padding -infinity).</summary>
        public ReadOnlyMemory<float>[] Biases { get; }
    }

    /// <summary>One worker's scratch space for <see cref="SoftBatch"/>, rented from the shared array pool (every element is written before it is read).</summary>
    private sealed class SoftInferenceBuffers
    {
        public SoftInferenceBuffers(SoftInferencePlan plan, int rows)
        {
            var model = plan.Model;
            int gateWidth = model._gate.Layers.Max(layer => layer.Outputs);
            GateA = ArrayPool<float>.Shared.Rent(rows * gateWidth);
            GateB = ArrayPool<float>.Shared.Rent(rows * gateWidth);
            Experts = new float[model._expertWeights.Length][];
            for (int l = 0; l < Experts.Length; l++)
            {
                Experts[l] = ArrayPool<float>.Shared.Rent(rows * model.Experts * plan.Widths[l + 1]);
            }

            Exponentials = ArrayPool<float>.Shared.Rent((rows + 1) * model.Experts * plan.PaddedClasses);
        }

        public float[] GateA { get; }

        public float[] GateB { get; }

        /// <summary>Layer l's output [rows, K*W(l+1)], experts side by side in each row.</summary>
        public float[][] Experts { get; }

        /// <summary>The batch's exponentials [rows, K * padded classes], then one row's mixture [padded classes].</summary>
        public float[] Exponentials { get; }

        public void Return()
        {
            ArrayPool<float>.Shared.Return(GateA);
            ArrayPool<float>.Shared.Return(GateB);
            foreach (var buffer in Experts)
            {
                ArrayPool<float>.Shared.Return(buffer);
            }

            ArrayPool<float>.Shared.Return(Exponentials);
        }
    }
}
