using static MLNetMixture.Training.Tests.Autodiff.GradientCheck.CaseBuilder;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <content>Reshape, Transpose, Slice, Concat and Gather.</content>
internal static partial class GradCaseCatalog
{
    private static void AddShapes(CaseBuilder b)
    {
        // Every reshape is followed by an element-wise op so the gradient reaching the view is not the upstream weight itself.
        foreach (var shape in new[] { new[] { 6, 4 }, [-1, 4], [0, -1], [4, 0, 2], [-1], [2, 2, 3, 2], [24, 1] })
        {
            b.Add(
                $"Reshape [2,3,4] to {RefTensor.Describe(shape)}",
                "Reshape",
                [In("x", b.Uniform(-2, 2, 2, 3, 4))],
                (t, v) => t.Square(t.Reshape(v[0], shape)),
                r => ReferenceOps.Map(ReferenceOps.Reshape(r[0], shape), x => x * x));
        }

        var permutations = new (int[] Shape, int[] Perm)[]
        {
            ([3, 4], [1, 0]),
            ([3, 4], [0, 1]),
            ([2, 3, 4], [0, 2, 1]),
            ([2, 3, 4], [1, 0, 2]),
            ([2, 3, 4], [2, 0, 1]),
            ([2, 3, 4], [1, 2, 0]),
            ([2, 3, 4], [2, 1, 0]),
            ([2, 3, 2, 3], [3, 1, 0, 2]),
        };
        foreach (var (shape, perm) in permutations)
        {
            b.Add(
                $"Transpose {RefTensor.Describe(shape)} by {RefTensor.Describe(perm)}",
                "Transpose",
                [In("x", b.Uniform(-2, 2, shape))],
                (t, v) => t.Transpose(v[0], perm),
                r => ReferenceOps.Transpose(r[0], perm));
        }

        foreach (var (axis, start, end) in new[] { (0, 1, 3), (1, 0, 2), (2, 2, 5), (-1, 1, 4), (1, 1, 1), (0, 0, 3) })
        {
            b.Add(
                $"Slice [3,4,5] axis {axis} [{start}, {end})",
                "Slice",
                [In("x", b.Uniform(-2, 2, 3, 4, 5))],
                (t, v) => t.Slice(v[0], axis, start, end),
                r => ReferenceOps.Slice(r[0], axis, start, end));
        }

        foreach (int axis in new[] { 0, 1, 2, -1 })
        {
            int ax = axis < 0 ? axis + 3 : axis;
            int[] Shape(int size)
            {
                var s = new[] { 2, 3, 4 };
                s[ax] = size;
                return s;
            }

            b.Add(
                $"Concat three parts along axis {axis}",
                "Concat",
                [In("p", b.Uniform(-2, 2, Shape(2))), In("q", b.Uniform(-2, 2, Shape(1))), In("r", b.Uniform(-2, 2, Shape(3)))],
                (t, v) => t.Concat(axis, v[0], v[1], v[2]),
                r => ReferenceOps.Concat(axis, r[0], r[1], r[2]));
        }

        b.Add(
            "Concat one value twice with another",
            "Concat",
            [In("p", b.Uniform(-2, 2, 3, 2)), In("q", b.Uniform(-2, 2, 3, 1))],
            (t, v) => t.Concat(1, v[0], v[1], v[0]),
            r => ReferenceOps.Concat(1, r[0], r[1], r[0]));
        b.Add(
            "Concat with a constant part",
            "Concat",
            [In("p", b.Uniform(-2, 2, 2, 3)), In("c", b.Uniform(-2, 2, 1, 3), InputRole.Constant)],
            (t, v) => t.Concat(0, v[1], v[0]),
            r => ReferenceOps.Concat(0, r[1], r[0]));

        foreach (var (axis, indices) in new[] { (0, new[] { 2, 0, 2, 1 }), (1, [3, 3, 0]), (2, [1, 4, 1, 1, 0]), (-1, [0]) })
        {
            b.Add(
                $"Gather axis {axis} indices {RefTensor.Describe(indices)}",
                "Gather",
                [In("x", b.Uniform(-2, 2, 3, 4, 5))],
                (t, v) => t.Gather(v[0], axis, indices),
                r => ReferenceOps.Take(r[0], axis, indices));
        }
    }
}
