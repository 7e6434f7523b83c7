"""static_library: one archive of a target's own objects and its deps'.

Bazel's cc_library archives only its own sources; an embedder who links
statically wants one libpyinstrument.a. This rule gathers the PIC static
archives of every library in the target's transitive closure that this
workspace builds (system libraries arrive as link flags, not archives, and
stay out) and merges them with `ar -M`.
"""

def _static_library_impl(ctx):
    archives = []
    for dep in ctx.attr.deps:
        for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
            for library in linker_input.libraries:
                archive = library.pic_static_library or library.static_library
                if archive != None and archive not in archives:
                    archives.append(archive)
    output = ctx.actions.declare_file(ctx.attr.out)
    script = "CREATE {}\n".format(output.path)
    for archive in archives:
        script += "ADDLIB {}\n".format(archive.path)
    script += "SAVE\nEND\n"
    ctx.actions.run_shell(
        inputs = archives,
        outputs = [output],
        command = "ar -M <<'MRI'\n{}MRI\n".format(script),
        mnemonic = "MergeArchives",
        progress_message = "Merging %d archives into %s" % (len(archives), output.short_path),
    )
    return [DefaultInfo(files = depset([output]))]

static_library = rule(
    implementation = _static_library_impl,
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "out": attr.string(mandatory = True),
    },
)
