"""Plausible Chinese personal names for demo data, drawn from a seeded random generator."""

import random

# Common surnames in Sichuan, most frequent first (weights roughly follow their frequency).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林邓曾谢唐冯钟蒋袁彭廖肖田董潘蔡杜魏叶程苏吕丁任沈姚卢傅钟汪范"
_WEIGHTS = [max(1, 40 - i) for i in range(len(SURNAMES))]
MALE_CHARS = "建国华明军平志伟强勇俊杰涛斌刚文兵德福贵林海松成永洪金春光荣清云富祥兴才宏发"
FEMALE_CHARS = "秀英兰芳玉珍凤琼丽娟霞敏燕红梅萍淑素琴桂云华芬莉蓉雪婷静春慧"


def name(rng: random.Random, gender: str = "male") -> str:
    surname = rng.choices(SURNAMES, weights=_WEIGHTS)[0]
    chars = MALE_CHARS if gender == "male" else FEMALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given
