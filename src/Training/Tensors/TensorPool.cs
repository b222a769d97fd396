namespace MLNetMixture.Training.Tensors;

/// <summary>
/// Reuses float arrays by exact length so that a training loop, which asks for the same shapes every step,
/// stops allocating after its first step (and large buffers never churn the large-object heap).
/// </summary>
internal sealed class TensorPool
{
    private readonly Dictionary<int, Stack<float[]>> _free = [];

    public Tensor Rent(ReadOnlySpan<int> shape, bool clear)
    {
        int length = Tensor.CheckedLength(shape);
        float[] data;
        if (length == 0)
        {
            data = [];
        }
        else if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            data = stack.Pop();
            if (clear)
            {
                Array.Clear(data);
            }
        }
        else
        {
            data = GC.AllocateUninitializedArray<float>(length);
            if (clear)
            {
                Array.Clear(data);
            }
        }

        return new Tensor(data, shape.ToArray());
    }

    public void Return(Tensor t)
    {
        if (t.Data.Length == 0)
        {
            return;
        }

        if (!_free.TryGetValue(t.Data.Length, out var stack))
        {
            stack = new Stack<float[]>();
            _free[t.Data.Length] = stack;
        }

        stack.Push(t.Data);
    }
}
