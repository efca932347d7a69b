// Builds the execution plan from an optimised graph: one step per remaining node (views such as Reshape
// become aliases, not steps), then arena offsets by liveness (a buffer is reused once its last reader
// has run). Sizes are computed at the maximum batch with overflow checks before anything is allocated.
namespace FlowGen.Runtime.Graph;

internal static class PlanBuilder
{
    private const long Alignment = 64;

    private static bool IsView(string op) => op is "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" or "Identity";

    /// <summary>Inputs a step reads as data; the others determined shapes and live on in the step's parameters.</summary>
    private static bool IsDataInput(string op, int index) => op switch
    {
        "Reshape" or "Expand" or "Slice" or "Split" or "Squeeze" or "Unsqueeze" or "ReduceSum" or "CumSum" => index == 0,
        "ConstantOfShape" => false,
        _ => true,
    };

    public static ExecutionPlan Build(ModelGraph g, int maxBatch, long maxArenaBytes, IReadOnlyDictionary<string, int> counts, long parameters = 0)
    {
        var values = new List<PlanValue>();
        var byValue = new Dictionary<Value, PlanValue>(ReferenceEqualityComparer.Instance);

        PlanValue Get(Value v)
        {
            if (byValue.TryGetValue(v, out var pv)) return pv;
            var shape = v.ShapeOrThrow;
            var count = SymShape.Count(shape)!.Value;
            long elements = count.At(maxBatch);
            if (count.Coef < 0 || elements < 0 || elements > int.MaxValue)
                throw g.Error(v.Producer, $"value '{v.Name}' would hold {elements} elements at batch {maxBatch} (limit {int.MaxValue})");
            pv = new PlanValue
            {
                Id = values.Count, Name = v.Name, Type = v.Type, Shape = shape, Const = v.Const,
                SymValues = v.Const is null ? v.SymValues : null,
                Bytes = checked(elements * ElementTypes.Size(v.Type)),
            };
            values.Add(pv);
            byValue[v] = pv;
            return pv;
        }

        var inputs = g.Inputs.Select(Get).ToList();
        var steps = new List<PlanStep>();
        foreach (var n in g.Nodes)
        {
            if (IsView(n.OpType))
            {
                var src = Get(n.Inputs[0]!);
                var dst = Get(n.Outputs[0]);
                dst.AliasOf = src.AliasOf ?? src;
                continue;
            }
            var ins = new PlanValue?[n.Inputs.Count];
            for (int i = 0; i < ins.Length; i++)
                if (n.Inputs[i] is { } v && IsDataInput(n.OpType, i)) ins[i] = Get(v);
            steps.Add(new PlanStep { OpType = n.OpType, Name = n.Name, Params = n.Params, Inputs = ins, Outputs = n.Outputs.Select(Get).ToArray() });
        }
        var outputs = g.Outputs.Select(Get).ToList();
        long arena = Allocate(values, steps, inputs, outputs);
        if (arena > maxArenaBytes)
            throw g.Error(null, $"the execution plan needs {arena} bytes of memory at batch {maxBatch}, above the limit of {maxArenaBytes}");
        return new ExecutionPlan
        {
            Source = g.Source, MaxBatch = maxBatch, Steps = steps, Values = values, Inputs = inputs, Outputs = outputs,
            ArenaBytes = arena, Metadata = g.Metadata, SourceOpCounts = counts, SourceParameters = parameters,
        };
    }

    /// <summary>Assigns offsets: constants and graph inputs/outputs get their own space; intermediates share by liveness.</summary>
    private static long Allocate(List<PlanValue> values, List<PlanStep> steps, List<PlanValue> inputs, List<PlanValue> outputs)
    {
        int end = steps.Count + 1;
        var first = new Dictionary<PlanValue, int>(ReferenceEqualityComparer.Instance);
        var last = new Dictionary<PlanValue, int>(ReferenceEqualityComparer.Instance);
        static PlanValue Root(PlanValue v) => v.AliasOf ?? v;
        void Touch(PlanValue v, int at)
        {
            var r = Root(v);
            if (!first.TryGetValue(r, out var f) || at < f) first[r] = at;
            if (!last.TryGetValue(r, out var l) || at > l) last[r] = at;
        }
        foreach (var v in values)
        {
            var r = Root(v);
            if (r.Const is not null || r.SymValues is not null) { Touch(r, -1); Touch(r, end); }
            // a view of a buffer may outlive its source's readers: its own reads are touched below
        }
        foreach (var v in inputs) { Touch(v, -1); Touch(v, end); }
        foreach (var v in outputs) { Touch(v, end); }
        for (int s = 0; s < steps.Count; s++)
        {
            foreach (var v in steps[s].Inputs) if (v is not null) Touch(v, s);
            foreach (var v in steps[s].Outputs) Touch(v, s);
        }
        foreach (var v in values) if (v.AliasOf is not null && !first.ContainsKey(Root(v))) Touch(v, end);

        // Greedy first-fit over live intervals, in order of definition.
        var roots = first.Keys.OrderBy(r => first[r]).ThenBy(r => r.Id).ToList();
        var placed = new List<(long Start, long End, int Until)>();
        long top = 0;
        foreach (var r in roots)
        {
            long size = (r.Bytes + Alignment - 1) / Alignment * Alignment;
            int from = first[r], until = last[r];
            var busy = placed.Where(p => p.Until >= from).OrderBy(p => p.Start).ToList();
            long offset = 0;
            foreach (var p in busy)
            {
                if (offset + size <= p.Start) break;
                offset = Math.Max(offset, p.End);
            }
            r.Offset = offset;
            placed.Add((offset, checked(offset + size), until));
            top = Math.Max(top, checked(offset + size));
        }
        foreach (var v in values) if (v.AliasOf is { } a) v.Offset = a.Offset;
        return Math.Max(top, Alignment);
    }
}
