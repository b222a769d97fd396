using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Tests.Experts;

/// <summary>A straightforward float64 re-implementation of the mixture of experts, one expert at a time, for comparisons.</summary>
internal static class Float64Reference
{
    public static double[][] GateLogits(MixtureOfExperts model, Tensor features, Func<int, int, double>? parameterShift = null)
    {
        var p = ParameterValues(model, parameterShift);
        int n = features.Shape[0];
        var result = new double[n][];
        for (int r = 0; r < n; r++)
        {
            double[] h = Row(features, r);
            int index = 0;
            for (int l = 0; l < model.Gate.Layers.Count; l++)
            {
                var layer = model.Gate.Layers[l];
                var w = p[index++];
                var b = p[index++];
                var next = new double[layer.Outputs];
                for (int o = 0; o < layer.Outputs; o++)
                {
                    double s = b[o];
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        s += w[(o * layer.Inputs) + i] * h[i];
                    }

                    next[o] = l < model.Gate.Layers.Count - 1 ? Activate(model.Architecture.Activation, s) : s;
                }

                h = next;
            }

            result[r] = h;
        }

        return result;
    }

    /// <summary>Expert logits [n][k][c], each expert evaluated on its own from the stacked parameters.</summary>
    public static double[][][] ExpertLogits(MixtureOfExperts model, Tensor features, Func<int, int, double>? parameterShift = null)
    {
        var p = ParameterValues(model, parameterShift);
        int gateParameters = model.Gate.Parameters.Count;
        int n = features.Shape[0], k = model.Experts;
        int[] widths = [model.Inputs, .. model.Architecture.ExpertHiddenSizes, model.Classes];
        var result = new double[n][][];
        for (int r = 0; r < n; r++)
        {
            result[r] = new double[k][];
            for (int e = 0; e < k; e++)
            {
                double[] h = Row(features, r);
                for (int l = 0; l < widths.Length - 1; l++)
                {
                    int inW = widths[l], outW = widths[l + 1];
                    var w = p[gateParameters + (2 * l)];
                    var b = p[gateParameters + (2 * l) + 1];
                    var next = new double[outW];
                    for (int o = 0; o < outW; o++)
                    {
                        double s = b[(e * outW) + o];
                        for (int i = 0; i < inW; i++)
                        {
                            // Layer 0: [K*Out, In]; later layers: [K, In, Out].
                            double wi = l == 0 ? w[(((e * outW) + o) * inW) + i] : w[(((e * inW) + i) * outW) + o];
                            s += wi * h[i];
                        }

                        next[o] = l < widths.Length - 2 ? Activate(model.Architecture.Activation, s) : s;
                    }

                    h = next;
                }

                result[r][e] = h;
            }
        }

        return result;
    }

    /// <summary>-mean_n log sum_k softmax(gate)_k softmax(expert_k)[y].</summary>
    public static double MarginalNegativeLogLikelihood(double[][] gateLogits, double[][][] expertLogits, int[] labels)
    {
        double total = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            total -= MarginalLogLikelihood(gateLogits[r], expertLogits[r], labels[r]);
        }

        return total / labels.Length;
    }

    public static double MarginalLogLikelihood(double[] gateLogits, double[][] expertLogits, int label)
    {
        var logGate = LogSoftmax(gateLogits);
        var terms = new double[gateLogits.Length];
        for (int e = 0; e < terms.Length; e++)
        {
            terms[e] = logGate[e] + LogSoftmax(expertLogits[e])[label];
        }

        return LogSumExp(terms);
    }

    public static double[] LogSoftmax(double[] x)
    {
        double lse = LogSumExp(x);
        return x.Select(v => v - lse).ToArray();
    }

    public static double LogSumExp(double[] x)
    {
        double max = x.Max();
        return max + Math.Log(x.Sum(v => Math.Exp(v - max)));
    }

    public static double Activate(Activation activation, double x) => activation switch
    {
        Activation.Relu => Math.Max(x, 0),
        Activation.Tanh => Math.Tanh(x),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-x)),
        Activation.Softplus => Math.Log(1 + Math.Exp(x)),
        Activation.Elu => x > 0 ? x : Math.Exp(x) - 1,
        Activation.Identity => x,
        _ => throw new NotSupportedException(activation.ToString()),
    };

    private static double[][] ParameterValues(MixtureOfExperts model, Func<int, int, double>? parameterShift)
    {
        var values = new double[model.Parameters.Count][];
        for (int i = 0; i < values.Length; i++)
        {
            var span = model.Parameters[i].Value.Span;
            values[i] = new double[span.Length];
            for (int j = 0; j < span.Length; j++)
            {
                values[i][j] = span[j];
            }
        }

        if (parameterShift is not null)
        {
            for (int i = 0; i < values.Length; i++)
            {
                for (int j = 0; j < values[i].Length; j++)
                {
                    values[i][j] += parameterShift(i, j);
                }
            }
        }

        return values;
    }

    private static double[] Row(Tensor features, int r)
    {
        int d = features.Shape[1];
        var row = new double[d];
        for (int i = 0; i < d; i++)
        {
            row[i] = features.Span[(r * d) + i];
        }

        return row;
    }
}
