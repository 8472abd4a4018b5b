"""forms/former_names.py: the one rule the renaming device, the county server and a pulling
device keep a resident's former names by."""

from forms.former_names import joined, replaced


def test_a_rename_adds_the_replaced_name_once_and_never_the_current_one():
    assert replaced(None, "王芳之女", "王小红") == ["王芳之女"]
    assert replaced(["王芳之女"], "王小红", "张丽") == ["王芳之女", "王小红"]
    assert replaced(["王芳之女", "王小红"], "张丽", "王小红") == ["王芳之女", "张丽"]  # renamed back
    assert replaced(["王芳之女"], "王小红", "王小红") == ["王芳之女"]
    assert replaced(["王芳之女"], "", "王小红") == ["王芳之女"]  # no name before: nothing to keep


def test_a_pull_joins_the_servers_names_to_the_devices_own():
    assert joined([], ["王芳之女"], "王小红") == ["王芳之女"]
    assert joined(["小红红"], ["王芳之女", "小红红", "王小红"], "王小红") == ["小红红", "王芳之女"]
    assert joined(["王芳之女"], None, "王小红") == ["王芳之女"]
    assert joined([], "王芳之女", "王小红") == []  # not a list: nothing taken
    assert joined([], ["", 3, "王芳之女"], "王小红") == ["王芳之女"]
