using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Randomness;
using MLNetMixture.Training.Tensors;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// An invertible linear map with an LU parameterisation (Kingma &amp; Dhariwal 2018):
/// <c>W = P L (U + diag(σ ⊙ exp(λ)))</c> with a fixed permutation P, unit lower-triangular L, strictly upper U,
/// learnable log-magnitudes λ and fixed signs σ. <c>forward: y = W x (rows: y = x Wᵀ),  log|det| = Σ λ</c>;
/// <c>inverse: x = W⁻¹ y,  log|det| = -Σ λ</c>.
/// </summary>
/// <remarks>
/// <para>
/// W⁻¹ = V⁻¹ L⁻¹ Pᵀ with V = U + diag(v) is built exactly from the parameters in graph operations: a unit
/// lower-triangular matrix is inverted row by row by forward substitution (row i of L⁻¹ is
/// e_i - L[i, :i] · L⁻¹[:i, :]; D static steps on D × D matrices, independent of the batch), and
/// V⁻¹ = diag(1/v) ((I + (U diag(1/v))ᵀ)⁻¹)ᵀ reuses the same routine. The data then takes one matrix product.
/// Intended for small D (up to about 64): the graph grows linearly with D.
/// </para>
/// <para>
/// The entries of the <see cref="Lower"/> and <see cref="Upper"/> parameters outside their strict triangles are
/// ignored (masked) and receive no gradient. The signs σ cannot change continuously, so they are fixed at
/// construction.
/// </para>
/// </remarks>
public sealed class LuLinearLayer : IFlowLayer
{
    private readonly int[] _permutation;
    private readonly Tensor _diagonalSign;
    private readonly Tensor _identity;
    private readonly Tensor _strictlyLower;
    private readonly Tensor _strictlyUpper;

    /// <summary>Creates the layer.</summary>
    /// <param name="name">Prefix of the parameter names.</param>
    /// <param name="dimension">The number of features D.</param>
    /// <param name="random">Initialisation randomness.</param>
    /// <param name="randomRotation">True (Glow): start at the LU factors of a random rotation; false: start at the identity.</param>
    public LuLinearLayer(string name, int dimension, RandomSource random, bool randomRotation = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(random);
        int d = dimension;
        Dimension = d;
        Lower = new Parameter(name + ".lower", d, d);
        Upper = new Parameter(name + ".upper", d, d);
        LogAbsDiagonal = new Parameter(name + ".log_abs_diagonal", d) { ApplyWeightDecay = false };
        _diagonalSign = new Tensor(d);
        _diagonalSign.Fill(1f);
        _permutation = Enumerable.Range(0, d).ToArray();
        if (randomRotation)
        {
            var lu = PivotedLuFactorization.Factorize(PivotedLuFactorization.RandomOrthogonal(d, random));
            _permutation = lu.Permutation;
            for (int i = 0; i < d; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    if (j < i)
                    {
                        Lower.Value[i, j] = (float)lu.Lower[i, j];
                    }
                    else if (j > i)
                    {
                        Upper.Value[i, j] = (float)lu.Upper[i, j];
                    }
                }

                LogAbsDiagonal.Value.Span[i] = (float)Math.Log(Math.Abs(lu.Upper[i, i]));
                _diagonalSign.Span[i] = lu.Upper[i, i] < 0.0 ? -1f : 1f;
            }
        }

        _identity = new Tensor(d, d);
        _strictlyLower = new Tensor(d, d);
        _strictlyUpper = new Tensor(d, d);
        for (int i = 0; i < d; i++)
        {
            _identity[i, i] = 1f;
            for (int j = 0; j < d; j++)
            {
                if (j < i)
                {
                    _strictlyLower[i, j] = 1f;
                }
                else if (j > i)
                {
                    _strictlyUpper[i, j] = 1f;
                }
            }
        }

        Parameters = [Lower, Upper, LogAbsDiagonal];
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <summary>L's strictly lower triangle [D, D] (other entries unused).</summary>
    public Parameter Lower { get; }

    /// <summary>U's strictly upper triangle [D, D] (other entries unused).</summary>
    public Parameter Upper { get; }

    /// <summary>λ [D]: log|diagonal of the upper factor|; log|det W| = Σ λ.</summary>
    public Parameter LogAbsDiagonal { get; }

    /// <summary>The fixed permutation: row i of W is row <c>Permutation[i]</c> of L V.</summary>
    public IReadOnlyList<int> Permutation => _permutation;

    /// <summary>The fixed signs σ [D] of the upper factor's diagonal (a copy).</summary>
    public Tensor DiagonalSign => _diagonalSign.Clone();

    /// <inheritdoc />
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc />
    public (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (lower, upper, diagonal) = Factors(graph);
        var weight = graph.Gather(graph.MatMul(lower, graph.Add(upper, graph.Multiply(graph.Constant(_identity), diagonal))), 0, _permutation);
        return (graph.Linear(x, weight, null), graph.RepeatPerRow(x, graph.Sum(graph.Param(LogAbsDiagonal), 0)));
    }

    /// <inheritdoc />
    public (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var (lower, upper, diagonal) = Factors(graph);
        int d = Dimension;
        var reciprocal = graph.Reciprocal(diagonal);

        // V = U + diag(v) = (I + U diag(1/v)) diag(v), and I + U diag(1/v) is unit upper-triangular.
        var unitUpperTransposed = graph.Add(graph.Constant(_identity), graph.Transpose(graph.Multiply(upper, graph.Reshape(reciprocal, 1, d)), 1, 0));
        var upperInverse = graph.Multiply(graph.Reshape(reciprocal, d, 1), graph.Transpose(InvertUnitLower(graph, unitUpperTransposed), 1, 0));
        var lowerInverse = InvertUnitLower(graph, lower);

        // W⁻¹ = V⁻¹ L⁻¹ Pᵀ, and (M Pᵀ) column i is M column Permutation[i].
        var inverse = graph.Gather(graph.MatMul(upperInverse, lowerInverse), 1, _permutation);
        return (graph.Linear(y, inverse, null), graph.Negate(graph.RepeatPerRow(y, graph.Sum(graph.Param(LogAbsDiagonal), 0))));
    }

    /// <summary>L (unit lower) [D, D], U (strictly upper) [D, D] and the upper factor's diagonal v = σ ⊙ exp(λ) [D].</summary>
    private (Var Lower, Var Upper, Var Diagonal) Factors(IComputeGraph graph)
    {
        var lower = graph.Add(graph.Multiply(graph.Param(Lower), graph.Constant(_strictlyLower)), graph.Constant(_identity));
        var upper = graph.Multiply(graph.Param(Upper), graph.Constant(_strictlyUpper));
        var diagonal = graph.Multiply(graph.Constant(_diagonalSign), graph.Exp(graph.Param(LogAbsDiagonal)));
        return (lower, upper, diagonal);
    }

    /// <summary>The inverse of a unit lower-triangular [D, D] matrix by forward substitution over its rows.</summary>
    private Var InvertUnitLower(IComputeGraph graph, Var unitLower)
    {
        var identity = graph.Constant(_identity);
        var rows = graph.Slice(identity, 0, 0, 1);
        for (int i = 1; i < Dimension; i++)
        {
            var coefficients = graph.Slice(graph.Slice(unitLower, 0, i, i + 1), 1, 0, i);
            var row = graph.Subtract(graph.Slice(identity, 0, i, i + 1), graph.MatMul(coefficients, rows));
            rows = graph.Concat(0, rows, row);
        }

        return rows;
    }
}
