namespace MLNetMixture.Training.Flows.Targets;

/// <summary>The four 2D test energies of Rezende &amp; Mohamed (2015), Table 1; the density is exp(-U).</summary>
public enum RezendeMohamedEnergy
{
    /// <summary>A ring of radius 2 with two lobes at z1 = ±2.</summary>
    U1,

    /// <summary>A sine-shaped ridge z2 ≈ sin(π z1 / 2).</summary>
    U2,

    /// <summary>The sine ridge with a second branch split off around z1 = 1 (Gaussian bump w2).</summary>
    U3,

    /// <summary>The sine ridge with a second branch stepping off for z1 &gt; 1 (sigmoid step w3).</summary>
    U4,
}
