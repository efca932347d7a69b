// Storage for the tensors of repeated training steps. Every step makes the same shapes again, so the
// arrays of one step's values, gradients and temporaries are recycled for the next: after warm-up a
// step takes no new memory from the GC (fresh large arrays cost page faults and zeroing, and were most
// of the allocation time). Not a general allocator: arrays handed out inside a scope go back when the
// scope ends, so a tensor made inside must not be used after it. Outside any scope ops allocate as usual.
namespace FlowGen.Training.Autodiff;

/// <summary>Recycles the arrays of the tensors made inside <see cref="Begin"/> scopes on the calling thread.</summary>
public sealed class TensorArena<T> where T : unmanaged
{
    [ThreadStatic] private static TensorArena<T>? t_current;

    private readonly Dictionary<int, Stack<T[]>> _free = [];
    private readonly HashSet<T[]> _lent = []; // arrays compare by reference

    /// <summary>Routes this thread's tensor allocations to the arena until the scope is disposed; then every
    /// array handed out in it is free again (tensors made in the scope are dead).</summary>
    public Scope Begin()
    {
        if (t_current is not null) throw new InvalidOperationException("A tensor arena scope is already open on this thread.");
        t_current = this;
        return new Scope(this);
    }

    /// <summary>Bytes held by the arena (free and lent).</summary>
    public long Bytes { get; private set; }

    /// <summary>True while a scope is open on this thread.</summary>
    internal static bool Active => t_current is not null;

    /// <summary>An array of <paramref name="length"/> elements: zeroed, or with any contents when
    /// <paramref name="clear"/> is false (callers that overwrite every element).</summary>
    internal static T[] Alloc(int length, bool clear = true)
    {
        var a = t_current;
        if (a is null || length == 0) return new T[length];
        T[] buf;
        if (a._free.TryGetValue(length, out var s) && s.TryPop(out var b))
        {
            buf = b;
            if (clear) Array.Clear(buf);
        }
        else
        {
            buf = new T[length];
            a.Bytes += (long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        }
        a._lent.Add(buf);
        return buf;
    }

    /// <summary>Gives back, before the scope ends, an array lent in it whose only owner is done with it
    /// (a released gradient, a backward temporary), so the rest of the step can reuse it; arrays that do
    /// not come from the open scope are left alone.</summary>
    internal static void Return(T[]? array)
    {
        var a = t_current;
        if (a is not null && array is not null && a._lent.Remove(array)) a.Free(array);
    }

    private void Free(T[] b)
    {
        if (!_free.TryGetValue(b.Length, out var s)) _free[b.Length] = s = new Stack<T[]>();
        s.Push(b);
    }

    private void End()
    {
        t_current = null;
        foreach (var b in _lent) Free(b);
        _lent.Clear();
    }

    /// <summary>An open arena scope (see <see cref="Begin"/>).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TensorArena<T> _arena;

        internal Scope(TensorArena<T> arena) => _arena = arena;

        /// <summary>Ends the scope: the arrays lent in it are free again.</summary>
        public void Dispose() => _arena?.End();
    }
}
