import re

import pytest

from trends.errors import InputError
from trends.regions import Gazetteer, fold

SEED_SPELLINGS = [
    "Deir el-Zour",
    "Deir Ezzor",
    "Deir Ez-Zor",
    "Deir ez Zor Governorate",
    "Deir ez Zor governorate",
    "DEIR EZ-ZOR",
    "Dayr az Zawr",
]


@pytest.mark.parametrize("name", SEED_SPELLINGS)
def test_spellings_of_deir_ez_zor(name):
    assert Gazetteer.default().canonical(name) == "Deir ez-Zor"


def test_syria_has_fourteen_governorates_and_iraq_nineteen():
    g = Gazetteer.default()
    assert len(g.regions("Syria")) == 14
    assert len(g.regions("Iraq")) == 19


def test_near_names_are_not_merged():
    g = Gazetteer.default()
    assert g.canonical("Damascus") == "Damascus"
    assert g.canonical("Rural Damascus") == "Rif Dimashq"
    assert g.canonical("Deir Hafer") is None
    assert g.canonical("Homsy") is None


def test_fold_ignores_case_accents_articles_and_admin_words():
    assert fold("Al-Ḥasakah Governorate") == fold("hasakah")
    assert fold("As Suwayda") == fold("Suwayda")


def test_alias_file_adds_spellings_and_regions(write):
    path = write(
        "aliases.csv", "alias,region,country\nDeir Zzor,Deir ez-Zor,\nGaza City,Gaza,Palestine\n"
    )
    g = Gazetteer.default().with_aliases(path)
    assert g.canonical("Deir Zzor") == "Deir ez-Zor"
    assert g.canonical("gaza city") == "Gaza"
    assert g.regions("Palestine") == ["Gaza"]


def test_alias_file_for_an_unknown_region_needs_its_country(write):
    path = write("aliases.csv", "alias,region,country\nGaza City,Gaza,\n")
    with pytest.raises(InputError, match=r"aliases.csv:2: column 'country': region 'Gaza'"):
        Gazetteer.default().with_aliases(path)


@pytest.mark.parametrize(("text", "words"), [
    ("alias,region\nHoms,Aleppo\n", "alias 'Homs' already names 'Homs' (the gazetteer)"),
    ("alias,region,country\nTell X,Aleppo,\ntell x,Homs,\n",
     "aliases.csv:3: column 'alias': alias 'tell x' already names 'Aleppo' (line 2)"),
    ("alias,region\nTell X,Aleppo,Syria\n", "aliases.csv:2: expected alias,region[,country]"),
])
def test_an_alias_names_one_region_only(write, text, words):
    with pytest.raises(InputError, match=re.escape(words)):
        Gazetteer.default().with_aliases(write("aliases.csv", text))
    # the same spelling twice for the same region is only said twice
    same = write("same.csv", "alias,region\nTell X,Aleppo\ntell x,Aleppo\n")
    assert Gazetteer.default().with_aliases(same).canonical("TELL X") == "Aleppo"
