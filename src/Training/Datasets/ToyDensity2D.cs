namespace MLNetMixture.Training.Datasets;

/// <summary>The two-dimensional toy densities of the flow literature (FFJORD, NSF), drawn by <see cref="ToyDensities2D"/>.</summary>
public enum ToyDensity2D
{
    /// <summary>Two interleaved half circles with Gaussian noise (scikit-learn's moons, scaled by 2 and shifted by (-1, -0.2)).</summary>
    Moons,

    /// <summary>An equal-weight mixture of 8 isotropic Gaussians on a circle; its exact density is known.</summary>
    EightGaussians,

    /// <summary>Uniform on the 8 black squares of a 4 × 4 checkerboard over [-4, 4]²; its exact density is known.</summary>
    Checkerboard,

    /// <summary>Five curved arms of a pinwheel.</summary>
    Pinwheel,

    /// <summary>Four concentric noisy rings.</summary>
    Rings,

    /// <summary>Two interleaved spirals.</summary>
    TwoSpirals,
}
