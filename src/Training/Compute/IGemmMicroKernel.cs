namespace MLNetMixture.Training.Compute;

/// <summary>
/// A register-blocked GEMM micro-kernel: multiplies an <see cref="GemmKernel.Mr"/> x kc panel of op(A) (packed, or read
/// in place through strides) by one packed kc x <see cref="Nr"/> panel of op(B) and merges the tile into C as
/// <c>C = alpha * acc + beta * C + bias</c>, optionally followed by max(0, .) (a fused bias and ReLU epilogue).
/// </summary>
/// <remarks>
/// Every element's sum runs over p = 0..kc-1 in order with one fused multiply-add per step, and the merge is the same
/// for every tile, so a given element's value does not depend on where its tile sits or which thread computes it.
/// </remarks>
internal unsafe interface IGemmMicroKernel
{
    /// <summary>Columns of C produced per call (two vectors wide).</summary>
    static abstract int Nr { get; }

    /// <summary>Computes one full Mr x Nr tile.</summary>
    /// <param name="kc">Depth of the packed panels.</param>
    /// <param name="a">op(A)[0, 0] of the panel; element [r, p] is at <c>a[r * rowStrideA + p * depthStrideA]</c>.</param>
    /// <param name="rowStrideA">Distance between rows of the op(A) panel (1 when packed).</param>
    /// <param name="depthStrideA">Distance between depth steps of the op(A) panel (Mr when packed).</param>
    /// <param name="b">Packed op(B) panel: kc groups of Nr values.</param>
    /// <param name="c">Top-left element of the C tile.</param>
    /// <param name="ldc">Distance between rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of the existing tile; 0 means the tile is not read.</param>
    /// <param name="bias">Nr values added to the tile's columns, or null for none.</param>
    /// <param name="relu">Whether the stored values are max(0, value).</param>
    static abstract void Compute(int kc, float* a, nint rowStrideA, nint depthStrideA, float* b, float* c, nint ldc, float alpha, float beta, float* bias, bool relu);
}
