using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// A square matrix factorised as A = P L U with partial pivoting, in float64: P a row permutation, L unit
/// lower-triangular, U upper-triangular. Used to start <see cref="LuLinearLayer"/> at a random rotation.
/// </summary>
internal sealed class PivotedLuFactorization
{
    private PivotedLuFactorization(int[] permutation, double[,] lower, double[,] upper)
    {
        Permutation = permutation;
        Lower = lower;
        Upper = upper;
    }

    /// <summary>(P M) row i is M row Permutation[i].</summary>
    public int[] Permutation { get; }

    /// <summary>L, with ones on the diagonal.</summary>
    public double[,] Lower { get; }

    /// <summary>U, diagonal included.</summary>
    public double[,] Upper { get; }

    /// <summary>Factorises <paramref name="a"/> (not modified).</summary>
    public static PivotedLuFactorization Factorize(double[,] a)
    {
        int n = a.GetLength(0);
        var u = (double[,])a.Clone();
        var l = new double[n, n];
        var rows = Enumerable.Range(0, n).ToArray(); // position i of the eliminated matrix holds original row rows[i]
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++)
            {
                if (Math.Abs(u[r, c]) > Math.Abs(u[pivot, c]))
                {
                    pivot = r;
                }
            }

            if (u[pivot, c] == 0.0)
            {
                throw new ArgumentException("The matrix is singular.", nameof(a));
            }

            if (pivot != c)
            {
                (rows[c], rows[pivot]) = (rows[pivot], rows[c]);
                for (int j = 0; j < n; j++)
                {
                    (u[c, j], u[pivot, j]) = (u[pivot, j], u[c, j]);
                    (l[c, j], l[pivot, j]) = (l[pivot, j], l[c, j]);
                }
            }

            for (int r = c + 1; r < n; r++)
            {
                double f = u[r, c] / u[c, c];
                l[r, c] = f;
                for (int j = c; j < n; j++)
                {
                    u[r, j] -= f * u[c, j];
                }

                u[r, c] = 0.0;
            }
        }

        for (int i = 0; i < n; i++)
        {
            l[i, i] = 1.0;
        }

        // A[rows[i], :] = (L U)[i, :]  ⇔  A = P (L U) with (P M)[rows[i]] = M[i], i.e. (P M)[j] = M[inverse[j]].
        var permutation = new int[n];
        for (int i = 0; i < n; i++)
        {
            permutation[rows[i]] = i;
        }

        return new PivotedLuFactorization(permutation, l, u);
    }

    /// <summary>A random orthogonal matrix: Gram-Schmidt on the columns of a standard normal matrix.</summary>
    public static double[,] RandomOrthogonal(int n, RandomSource random)
    {
        var q = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                q[i, j] = random.NextNormal();
            }
        }

        for (int c = 0; c < n; c++)
        {
            // Twice-repeated modified Gram-Schmidt keeps the columns orthogonal to working precision.
            for (int repeat = 0; repeat < 2; repeat++)
            {
                for (int p = 0; p < c; p++)
                {
                    double dot = 0.0;
                    for (int i = 0; i < n; i++)
                    {
                        dot += q[i, p] * q[i, c];
                    }

                    for (int i = 0; i < n; i++)
                    {
                        q[i, c] -= dot * q[i, p];
                    }
                }
            }

            double norm = 0.0;
            for (int i = 0; i < n; i++)
            {
                norm += q[i, c] * q[i, c];
            }

            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++)
            {
                q[i, c] /= norm;
            }
        }

        return q;
    }
}
